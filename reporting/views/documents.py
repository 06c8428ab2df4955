"""PDF exports and the annual / mid-term reports (to be built)."""

urlpatterns: list = []
