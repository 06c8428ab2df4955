"""Reporting API under /api/v1/<city>/: indicators, their series and records, statistics (entered and
imported) and the snapshot."""

from django.urls import path

from reporting.api import views

app_name = "reporting-api"

urlpatterns = [
    path("indicators/", views.IndicatorListCreateApi.as_view(), name="indicator-list"),
    path("indicators/<int:pk>/", views.IndicatorDetailApi.as_view(), name="indicator-detail"),
    path("indicators/<int:pk>/series/", views.IndicatorSeriesApi.as_view(), name="indicator-series"),
    path("indicators/<int:pk>/records/", views.IndicatorRecordsApi.as_view(), name="indicator-records"),
    path("statistics/", views.StatisticListCreateApi.as_view(), name="statistic-list"),
    path("statistics/import/", views.StatisticImportApi.as_view(), name="statistic-import"),
    path(
        "statistics/import/template/", views.StatisticTemplateApi.as_view(), name="statistic-import-template"
    ),
    path(
        "statistics/import/<int:pk>/",
        views.StatisticImportDetailApi.as_view(),
        name="statistic-import-detail",
    ),
    path(
        "statistics/import/<int:pk>/commit/",
        views.StatisticImportCommitApi.as_view(),
        name="statistic-import-commit",
    ),
    path("snapshot/", views.SnapshotApi.as_view(), name="snapshot"),
]
