from django.urls import path

from ipops.api import views

app_name = "ipops-api"

urlpatterns = [
    path("assets/", views.AssetListCreateApi.as_view(), name="asset-list"),
    path("assets/<int:pk>/", views.AssetDetailApi.as_view(), name="asset-detail"),
    path("organizations/", views.OrganizationListCreateApi.as_view(), name="organization-list"),
]
