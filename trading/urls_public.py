"""The national marketplace, outside any city: include at `market/` in ipops/urls.py, before `<slug:city>/`."""

from django.urls import path

from .api.views import NationalListingSearchApi
from .views import market

urlpatterns = [
    path("", market.NationalMarketView.as_view(), name="trading-national"),
    path("enquiries/", market.MyEnquiriesView.as_view(), name="trading-my-enquiries"),
    path("api/listings/", NationalListingSearchApi.as_view(), name="trading-national-api"),
]
