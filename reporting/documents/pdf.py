"""HTML templates to PDF with WeasyPrint. The templates carry their own stylesheet and inline SVG charts,
so nothing is fetched while a PDF is made: the URL fetcher allows no protocol (no file:// reads, no calls
out from a worker)."""

from __future__ import annotations

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.http import content_disposition_header


def render(template: str, context: dict) -> bytes:
    # Imported here: WeasyPrint takes a while to load, and only the pages and tasks that make PDFs need it.
    import weasyprint
    from weasyprint.urls import URLFetcher

    html = render_to_string(template, context)
    return weasyprint.HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=())).write_pdf()


def response(content: bytes, filename: str, *, inline: bool = False) -> HttpResponse:
    """A PDF made for this request, as a download (or shown in the browser with `inline`)."""
    out = HttpResponse(content, content_type="application/pdf")
    out["Content-Disposition"] = content_disposition_header(not inline, filename) or "attachment"
    out["X-Content-Type-Options"] = "nosniff"
    out["Cache-Control"] = "private, no-store"
    return out
