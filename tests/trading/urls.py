"""The project's URLs plus the national marketplace at /market/ (the line ipops/urls.py is to carry)."""

from django.urls import include, path

from ipops.urls import urlpatterns as project

urlpatterns = [path("market/", include("trading.urls_public")), *project]
