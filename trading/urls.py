from django.urls import path

from . import views

urlpatterns = [
    path("market/", views.MarketView.as_view(), name="trading-market"),
    path("market/<int:pk>/", views.ListingDetailView.as_view(), name="trading-listing"),
    path("trading/sell/", views.SellerWorkbenchView.as_view(), name="trading-sell"),
    path("trading/listings/new/", views.ListingCreateView.as_view(), name="trading-listing-create"),
    path(
        "trading/listings/<int:pk>/<slug:action>/",
        views.ListingActionView.as_view(),
        name="trading-listing-action",
    ),
    path("trading/enquiries/<int:pk>/", views.EnquiryActionView.as_view(), name="trading-enquiry"),
    path("trading/buy/", views.BuyerWorkbenchView.as_view(), name="trading-buy"),
    path(
        "trading/buy-requests/new/", views.BuyRequestCreateView.as_view(), name="trading-buy-request-create"
    ),
    path("trading/buy-requests/<int:pk>/", views.BuyRequestDetailView.as_view(), name="trading-buy-request"),
    path("trading/negotiations/<int:pk>/", views.NegotiationView.as_view(), name="trading-negotiation"),
    path("trading/deals/", views.DealListView.as_view(), name="trading-deals"),
    path("trading/deals/export.xlsx", views.DealExportView.as_view(), name="trading-deals-export"),
    path("trading/deals/<int:pk>/", views.DealDetailView.as_view(), name="trading-deal"),
    path("trading/centres/", views.CentreListView.as_view(), name="trading-centres"),
    path("trading/centres/<int:pk>/", views.CentreDetailView.as_view(), name="trading-centre"),
]
