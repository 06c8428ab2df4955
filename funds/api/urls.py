from django.urls import include, path

from funds.api import views

app_name = "funds-api"

urlpatterns = [
    path("budget/sources/", views.SourceListApi.as_view(), name="budget-sources"),
    path("budget/expenditures/", views.ExpenditureListApi.as_view(), name="budget-expenditures"),
    path("budget/receipts/", views.ReceiptApi.as_view(), name="budget-receipts"),
    path("budget/review/", views.ReviewApi.as_view(), name="budget-review"),
    path("funds/imports/", include("funds.imports.api_urls")),
]
