"""Reporting pages under /<city>/: the scoreboard, an indicator and the comparison (`views.pages`), the
records behind a figure (`views.records`), the catalogue and statistics (`views.catalogue`), the statistics
import (`views.imports`), PDFs and reports (`views.documents`)."""

from reporting.views import catalogue, documents, imports, pages, records

urlpatterns = [
    *documents.urlpatterns,
    *pages.urlpatterns,
    *records.urlpatterns,
    *catalogue.urlpatterns,
    *imports.urlpatterns,
]
