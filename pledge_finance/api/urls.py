from django.urls import path

from pledge_finance.api import views

app_name = "pledge_finance-api"

urlpatterns = [
    path("loans/", views.LoanListCreateApi.as_view(), name="loan-list"),
    path("loans/<int:pk>/", views.LoanDetailApi.as_view(), name="loan-detail"),
    path("loans/<int:pk>/submit/", views.LoanSubmitApi.as_view(), name="loan-submit"),
    path("loans/<int:pk>/withdraw/", views.LoanWithdrawApi.as_view(), name="loan-withdraw"),
    path("loans/<int:pk>/valuation/", views.LoanValuationApi.as_view(), name="loan-valuation"),
    path("loans/<int:pk>/decisions/", views.LoanDecisionApi.as_view(), name="loan-decision"),
    path("loans/<int:pk>/disbursement/", views.LoanDisburseApi.as_view(), name="loan-disburse"),
    path("loans/<int:pk>/repayments/", views.LoanRepaymentApi.as_view(), name="loan-repayment"),
    path("loans/<int:pk>/fees/", views.LoanFeesApi.as_view(), name="loan-fees"),
    path("loans/<int:pk>/default/", views.LoanDefaultApi.as_view(), name="loan-default"),
    path("loans/<int:pk>/recoveries/", views.LoanRecoveryApi.as_view(), name="loan-recovery"),
    path("loans/<int:pk>/release-pledge/", views.LoanReleasePledgeApi.as_view(), name="loan-release-pledge"),
    path("loans/products/", views.ProductListCreateApi.as_view(), name="product-list"),
    path("loans/products/<int:pk>/", views.ProductDetailApi.as_view(), name="product-detail"),
    path("loans/reserve/", views.ReserveApi.as_view(), name="reserve"),
    path("loans/reserve/ledger/", views.ReserveLedgerApi.as_view(), name="reserve-ledger"),
]
