from django.urls import path

from . import deals as d
from . import views as v

app_name = "trading-api"

urlpatterns = [
    path("listings/", v.ListingListCreateApi.as_view(), name="listing-list"),
    path("listings/<int:pk>/", v.ListingDetailApi.as_view(), name="listing-detail"),
    path("listings/<int:pk>/publish/", v.ListingPublishApi.as_view(), name="listing-publish"),
    path("listings/<int:pk>/withdraw/", v.ListingWithdrawApi.as_view(), name="listing-withdraw"),
    path("listings/<int:pk>/matches/", v.ListingMatchesApi.as_view(), name="listing-matches"),
    path("listings/<int:pk>/offers/", d.ListingOffersApi.as_view(), name="listing-offers"),
    path("buy-requests/", v.BuyRequestListCreateApi.as_view(), name="buyrequest-list"),
    path("buy-requests/<int:pk>/", v.BuyRequestDetailApi.as_view(), name="buyrequest-detail"),
    path("buy-requests/<int:pk>/close/", v.BuyRequestCloseApi.as_view(), name="buyrequest-close"),
    path("buy-requests/<int:pk>/reopen/", v.BuyRequestReopenApi.as_view(), name="buyrequest-reopen"),
    path("buy-requests/<int:pk>/matches/", v.BuyRequestMatchesApi.as_view(), name="buyrequest-matches"),
    path("offers/", d.OfferListApi.as_view(), name="offer-list"),
    path("offers/<int:pk>/", d.OfferDetailApi.as_view(), name="offer-detail"),
    path("offers/<int:pk>/counter/", d.OfferCounterApi.as_view(), name="offer-counter"),
    path("offers/<int:pk>/accept/", d.OfferAcceptApi.as_view(), name="offer-accept"),
    path("offers/<int:pk>/reject/", d.OfferRejectApi.as_view(), name="offer-reject"),
    path("offers/<int:pk>/withdraw/", d.OfferWithdrawApi.as_view(), name="offer-withdraw"),
    path("negotiations/<int:pk>/", d.NegotiationDetailApi.as_view(), name="negotiation-detail"),
    path("negotiations/<int:pk>/messages/", d.NegotiationMessageApi.as_view(), name="negotiation-messages"),
    path("negotiations/<int:pk>/close/", d.NegotiationCloseApi.as_view(), name="negotiation-close"),
    path("transactions/", d.TransactionListApi.as_view(), name="transaction-list"),
    path("transactions/figures/", d.FiguresApi.as_view(), name="transaction-figures"),
    path("transactions/<int:pk>/", d.TransactionDetailApi.as_view(), name="transaction-detail"),
    path("transactions/<int:pk>/contract/", d.TransactionContractApi.as_view(), name="transaction-contract"),
    path("transactions/<int:pk>/pay/", d.TransactionPayApi.as_view(), name="transaction-pay"),
    path("transactions/<int:pk>/complete/", d.TransactionCompleteApi.as_view(), name="transaction-complete"),
    path("transactions/<int:pk>/cancel/", d.TransactionCancelApi.as_view(), name="transaction-cancel"),
    path("centres/", d.CentreListApi.as_view(), name="centre-list"),
    path("centres/<int:pk>/members/", d.CentreMembersApi.as_view(), name="centre-members"),
    path(
        "centres/<int:pk>/members/<int:organization>/",
        d.CentreMemberDetailApi.as_view(),
        name="centre-member-detail",
    ),
    path("market/listings/", v.PublicListingSearchApi.as_view(), name="public-listing-list"),
    path("market/listings/<int:pk>/", v.PublicListingDetailApi.as_view(), name="public-listing-detail"),
]
