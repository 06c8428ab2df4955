"""Reporting API under /api/v1/<city>/ (to be built)."""

urlpatterns: list = []
