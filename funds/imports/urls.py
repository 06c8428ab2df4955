from django.urls import path

from funds.imports import views

urlpatterns = [
    path("", views.ImportView.as_view(), name="funds-import"),
    path("template.xlsx", views.TemplateDownloadView.as_view(), name="funds-import-template"),
    path("<int:pk>/", views.BatchView.as_view(), name="funds-import-batch"),
]
