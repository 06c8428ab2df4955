from django.urls import path

from .views import buyer, centres, deals, market, negotiations, seller

urlpatterns = [
    path("market/", market.MarketView.as_view(), name="trading-market"),
    path("market/<int:pk>/", market.ListingDetailView.as_view(), name="trading-listing"),
    path("trading/sell/", seller.SellerWorkbenchView.as_view(), name="trading-sell"),
    path("trading/listings/new/", seller.ListingCreateView.as_view(), name="trading-listing-create"),
    path(
        "trading/listings/<int:pk>/<slug:action>/",
        seller.ListingActionView.as_view(),
        name="trading-listing-action",
    ),
    path("trading/enquiries/<int:pk>/", seller.EnquiryActionView.as_view(), name="trading-enquiry"),
    path("trading/buy/", buyer.BuyerWorkbenchView.as_view(), name="trading-buy"),
    path(
        "trading/buy-requests/new/", buyer.BuyRequestCreateView.as_view(), name="trading-buy-request-create"
    ),
    path("trading/buy-requests/<int:pk>/", buyer.BuyRequestDetailView.as_view(), name="trading-buy-request"),
    path(
        "trading/negotiations/<int:pk>/", negotiations.NegotiationView.as_view(), name="trading-negotiation"
    ),
    path("trading/deals/", deals.DealListView.as_view(), name="trading-deals"),
    path("trading/deals/export.xlsx", deals.DealExportView.as_view(), name="trading-deals-export"),
    path("trading/deals/<int:pk>/", deals.DealDetailView.as_view(), name="trading-deal"),
    path("trading/centres/", centres.CentreListView.as_view(), name="trading-centres"),
    path("trading/centres/<int:pk>/", centres.CentreDetailView.as_view(), name="trading-centre"),
]
