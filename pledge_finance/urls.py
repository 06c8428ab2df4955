from django.urls import path

from pledge_finance import views

urlpatterns = [
    path("loans/", views.LoanListView.as_view(), name="pledge-loan-list"),
    path("loans/export.xlsx", views.LoanExportView.as_view(), name="pledge-loan-export"),
    path("loans/apply/", views.ApplyProductView.as_view(), name="pledge-apply"),
    path("loans/apply/<int:product>/", views.ApplyFormView.as_view(), name="pledge-apply-form"),
    path("loans/queue/", views.QueueView.as_view(), name="pledge-queue"),
    path("loans/portfolio/", views.PortfolioView.as_view(), name="pledge-portfolio"),
    path("loans/portfolio/export.xlsx", views.PortfolioExportView.as_view(), name="pledge-portfolio-export"),
    path("loans/<int:pk>/", views.LoanDetailView.as_view(), name="pledge-loan-detail"),
    path("loans/<int:pk>/<slug:action>/", views.LoanActionView.as_view(), name="pledge-loan-action"),
    path("loans/products/", views.ProductListView.as_view(), name="pledge-product-list"),
    path("loans/products/new/", views.ProductEditView.as_view(), name="pledge-product-create"),
    path("loans/products/<int:pk>/edit/", views.ProductEditView.as_view(), name="pledge-product-update"),
    path("loans/reserve/", views.ReserveView.as_view(), name="pledge-reserve"),
    path("loans/reserve/export.xlsx", views.ReserveExportView.as_view(), name="pledge-reserve-export"),
]
