"""The KPI report of an engagement: a preview in the browser with its period picker, and the PDF.

Whoever may see the engagement's KPIs may have the report (vendor users only of their own
engagements; 404 otherwise). Producing it is a read, so, like the decision report, it writes no
audit event.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_safe

from accord.accounts import policy
from accord.accounts.models import User
from accord.accounts.policy import Perm
from accord.engagements.models import Engagement
from accord.engagements.queries import engagement_for
from accord.lib.reports import pdf_response
from accord.metrics import report
from accord.metrics.forms import ReportPeriodForm


def _report(
    request: HttpRequest, slug: str
) -> tuple[Engagement, ReportPeriodForm, report.KpiReport]:
    engagement = engagement_for(request.user, slug)
    policy.require(request.user, Perm.VIEW_ENGAGEMENT, engagement)
    assert isinstance(request.user, User)
    form = ReportPeriodForm(request.GET or None)
    built = report.build_report(
        engagement,
        user=request.user,
        span=form.span(),
        zone=timezone.get_current_timezone(),
    )
    return engagement, form, built


@login_required
@require_safe
def kpi_report(request: HttpRequest, slug: str) -> HttpResponse:
    _, form, built = _report(request, slug)
    query = urlencode({k: str(v) for k, v in request.GET.items() if k in form.fields and v})
    html = report.render_html(built, form=form, query=query)
    return HttpResponse(html, status=400 if form.is_bound and not form.is_valid() else 200)


@login_required
@require_safe
def kpi_report_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    engagement, form, built = _report(request, slug)
    if form.is_bound and not form.is_valid():
        # The preview says what is wrong with the dates, next to them.
        return HttpResponse(report.render_html(built, form=form), status=400)
    day = timezone.localdate()
    return pdf_response(report.render_pdf(built), f"{engagement.slug}-kpis-{day:%Y-%m-%d}.pdf")
