from django.urls import path

from funds.imports import api

# Included under the funds API's namespace ("funds-api:import-…").
urlpatterns = [
    path("", api.ImportCreateApi.as_view(), name="import-create"),
    path("template/", api.TemplateApi.as_view(), name="import-template"),
    path("<int:pk>/", api.ImportDetailApi.as_view(), name="import-detail"),
    path("<int:pk>/commit/", api.ImportCommitApi.as_view(), name="import-commit"),
]
