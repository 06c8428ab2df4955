"""Scoreboard, indicator pages, drill-down, comparison, catalogue and statistics (to be built)."""

urlpatterns: list = []
