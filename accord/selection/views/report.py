"""The decision report, in the browser and as a PDF download."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from accord.lib.reports import pdf_response
from accord.selection import report
from accord.selection.views.common import get_evaluation, require_results


@login_required
@require_safe
def report_html(request: HttpRequest, slug: str) -> HttpResponse:
    evaluation = get_evaluation(request, slug)
    require_results(request, evaluation)
    return HttpResponse(report.render_html(evaluation))


@login_required
@require_safe
def report_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    evaluation = get_evaluation(request, slug)
    require_results(request, evaluation)
    return pdf_response(report.render_pdf(evaluation), f"{evaluation.slug}-decision.pdf")
