from django.urls import include, path

from funds import views

urlpatterns = [
    path("funds/budget/", views.BudgetView.as_view(), name="funds-budget"),
    path("funds/budget/export.xlsx", views.BudgetExportView.as_view(), name="funds-budget-export"),
    path("funds/import/", include("funds.imports.urls")),
]
