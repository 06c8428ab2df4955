from django.urls import path

from ipops.api import views

app_name = "ipops-api"

urlpatterns = [
    path("assets/", views.AssetListCreateApi.as_view(), name="asset-list"),
    path("assets/<int:pk>/", views.AssetDetailApi.as_view(), name="asset-detail"),
    path("organizations/", views.OrganizationListCreateApi.as_view(), name="organization-list"),
    path("members/", views.MemberListCreateApi.as_view(), name="member-list"),
    path("members/<int:pk>/", views.MemberDetailApi.as_view(), name="member-detail"),
    path("members/<int:pk>/admin/", views.MemberAdminApi.as_view(), name="member-admin"),
    path("members/<int:pk>/password/", views.MemberPasswordApi.as_view(), name="member-password"),
]
