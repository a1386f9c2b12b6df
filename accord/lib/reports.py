"""Printable reports: one HTML template serves the page in the browser and the PDF.

A report template extends `reports/base.html`. The page Accord serves links its stylesheets (the
CSP allows no inline styles); a standalone copy (a file, or the HTML WeasyPrint reads) carries
them inside, so it needs nothing from the server. Every report starts from `accord/report.css`
(A4 pages, page numbers, tables) and adds its own sheet.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

BASE_STYLESHEET = "accord/report.css"


def _read_static(name: str) -> str:
    path = finders.find(name)
    assert isinstance(path, str), f"static file {name} is missing"
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def render_report(
    template: str,
    context: dict[str, Any],
    *,
    stylesheets: Sequence[str] = (),
    standalone: bool = False,
) -> str:
    """The report as HTML (no scripts), styled by the base sheet and then `stylesheets`."""
    sheets = [BASE_STYLESHEET, *stylesheets]
    styles: dict[str, Any] = {"stylesheets": sheets}
    if standalone:
        styles = {"inline_css": mark_safe("\n".join(_read_static(s) for s in sheets))}  # noqa: S308 - our files
    return render_to_string(template, {**context, **styles, "standalone": standalone})


def html_to_pdf(html: str) -> bytes:
    """A standalone report drawn to PDF by WeasyPrint (it fetches nothing: styles are inline)."""
    from weasyprint import HTML

    pdf = HTML(string=html).write_pdf()
    assert pdf is not None
    return pdf


def pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    """A PDF download named `filename`."""
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
