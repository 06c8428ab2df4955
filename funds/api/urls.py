from django.urls import include, path

from funds.api import register, views

app_name = "funds-api"

urlpatterns = [
    path("budget/sources/", views.SourceListApi.as_view(), name="budget-sources"),
    path("budget/expenditures/", views.ExpenditureListApi.as_view(), name="budget-expenditures"),
    path("budget/receipts/", views.ReceiptApi.as_view(), name="budget-receipts"),
    path("budget/review/", views.ReviewApi.as_view(), name="budget-review"),
    path("funds/", register.FundListCreateApi.as_view(), name="fund-list"),
    path("funds/<int:pk>/", register.FundDetailApi.as_view(), name="fund-detail"),
    path("funds/<int:pk>/status/", register.FundStatusApi.as_view(), name="fund-status"),
    path("funds/<int:pk>/commitments/", register.CommitmentListCreateApi.as_view(), name="fund-commitments"),
    path("funds/<int:pk>/investments/", register.InvestmentListCreateApi.as_view(), name="fund-investments"),
    path(
        "funds/<int:pk>/distributions/",
        register.DistributionListCreateApi.as_view(),
        name="fund-distributions",
    ),
    path("funds/commitments/<int:pk>/calls/", register.CallListCreateApi.as_view(), name="commitment-calls"),
    path("funds/calls/<int:pk>/paid/", register.CallPaidApi.as_view(), name="call-paid"),
    path(
        "funds/investments/<int:pk>/valuation/",
        register.InvestmentValuationApi.as_view(),
        name="investment-valuation",
    ),
    path("funds/imports/", include("funds.imports.api_urls")),
]
