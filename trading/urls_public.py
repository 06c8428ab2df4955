"""The national marketplace, outside any city: include at `market/` in ipops/urls.py, before `<slug:city>/`."""

from django.urls import path

from . import views
from .api.views import NationalListingSearchApi

urlpatterns = [
    path("", views.NationalMarketView.as_view(), name="trading-national"),
    path("enquiries/", views.MyEnquiriesView.as_view(), name="trading-my-enquiries"),
    path("api/listings/", NationalListingSearchApi.as_view(), name="trading-national-api"),
]
