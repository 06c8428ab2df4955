from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from ipops.api.views import TokenApi
from ipops.platform import url_modules
from ipops.security import api as security_api
from ipops.security import views as security_views
from ipops.views import pages

# API: /api/v1/<city>/... and pages: /<city>/... — each app names its own in its config
# (`PlatformApp.api_urls`, `.page_urls`); a broken module fails here, loudly.
city_api = [path("", include("ipops.api.urls")), *(path("", include(m)) for m in url_modules("api_urls"))]
city_pages = [path("", include("ipops.urls_city")), *(path("", include(m)) for m in url_modules("page_urls"))]

urlpatterns = [
    path("", pages.root, name="root"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="ipops/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/profile/", security_views.AccountView.as_view(), name="account"),
    path("accounts/logout-all/", security_views.LogoutAllView.as_view(), name="logout-all"),
    path("accounts/mfa/enrol/", security_views.MfaEnrolView.as_view(), name="mfa-enrol"),
    path("accounts/mfa/verify/", security_views.MfaVerifyView.as_view(), name="mfa-verify"),
    path("accounts/mfa/disable/", security_views.MfaDisableView.as_view(), name="mfa-disable"),
    path("accounts/reauth/", security_views.ReauthView.as_view(), name="reauth"),
    path("home/", pages.root, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("api/v1/auth/token/", TokenApi.as_view(), name="api-token"),
    path("api/v1/auth/logout-all/", security_api.LogoutAllApi.as_view(), name="api-logout-all"),
    path("api/v1/auth/reauth/", security_api.ReauthApi.as_view(), name="api-reauth"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's init script as a file: the Content-Security-Policy refuses inline ones.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/<slug:city>/", include(city_api)),
    path("healthz/", pages.healthz, name="healthz"),
    # Browsers ask for /favicon.ico before reading the page's <link rel="icon">.
    path("favicon.ico", RedirectView.as_view(url=static("ipops/favicon.svg"), permanent=True)),
    # The national marketplace: listings published nationally, across cities (before <city>/).
    path("market/", include("trading.urls_public")),
    path("<slug:city>/", include(city_pages)),
]

# Under /api/ every error answers {"code", "detail", "fields"}, even before a view runs.
handler400 = "ipops.api.exceptions.bad_request"
handler403 = "ipops.api.exceptions.permission_denied"
handler404 = "ipops.api.exceptions.not_found"
handler500 = "ipops.api.exceptions.server_error"
