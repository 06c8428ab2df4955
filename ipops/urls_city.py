from django.urls import path

from ipops.security import views as security_views
from ipops.views import pages

urlpatterns = [
    path("", pages.CityHomeView.as_view(), name="city-home"),
    path("assets/", pages.AssetListView.as_view(), name="asset-list"),
    path("assets/export.xlsx", pages.AssetExportView.as_view(), name="asset-export"),
    path("assets/new/", pages.AssetCreateView.as_view(), name="asset-create"),
    path("assets/<int:pk>/", pages.AssetDetailView.as_view(), name="asset-detail"),
    path("assets/<int:pk>/edit/", pages.AssetUpdateView.as_view(), name="asset-update"),
    path("organisation/", pages.OrganizationView.as_view(), name="my-organization"),
    path("organisations/", pages.OrganizationListView.as_view(), name="organization-list"),
    path("people/", pages.PeopleView.as_view(), name="people-list"),
    path("people/export.xlsx", pages.PeopleExportView.as_view(), name="people-export"),
    path("people/lockouts/", security_views.LockoutsView.as_view(), name="people-lockouts"),
    path("people/lockouts/<int:pk>/unlock/", security_views.UnlockView.as_view(), name="people-unlock"),
    path("people/<int:pk>/admin/", pages.MemberActionView.as_view(action="admin"), name="member-admin"),
    path(
        "people/<int:pk>/password/", pages.MemberActionView.as_view(action="password"), name="member-password"
    ),
    path("people/<int:pk>/remove/", pages.MemberActionView.as_view(action="remove"), name="member-remove"),
    path("jobs/<int:pk>/", pages.JobRunView.as_view(), name="job-run"),
    path("jobs/snapshot/", pages.RegistrySnapshotView.as_view(), name="registry-snapshot"),
]
