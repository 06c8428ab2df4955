from django.urls import include, path

from funds.views import budget, register

urlpatterns = [
    path("funds/", register.FundListView.as_view(), name="funds-list"),
    path("funds/export.xlsx", register.FundListExportView.as_view(), name="funds-list-export"),
    path("funds/budget/", budget.BudgetView.as_view(), name="funds-budget"),
    path("funds/budget/export.xlsx", budget.BudgetExportView.as_view(), name="funds-budget-export"),
    path("funds/import/", include("funds.imports.urls")),
    path("funds/<int:pk>/", register.FundDetailView.as_view(), name="funds-detail"),
    path("funds/<int:pk>/export.xlsx", register.FundTableExportView.as_view(), name="funds-detail-export"),
    path("funds/<int:pk>/<slug:action>/", register.FundActionView.as_view(), name="funds-action"),
]
