"""Reporting pages under /<city>/: the scoreboard and indicators (`views.pages`), PDFs and reports
(`views.documents`)."""

from reporting.views import documents, pages

urlpatterns = [*documents.urlpatterns, *pages.urlpatterns]
