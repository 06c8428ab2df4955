"""Reporting pages under /<city>/: the scoreboard and indicators (`views.pages`), PDFs and reports
(`views.documents`)."""

from reporting.views import documents, imports, pages

urlpatterns = [*documents.urlpatterns, *pages.urlpatterns, *imports.urlpatterns]
