"""Pages of the metrics app that write or download: CSV imports and measurement exports."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from accord.accounts import policy
from accord.accounts.models import User
from accord.accounts.policy import Perm
from accord.engagements.queries import engagement_for
from accord.lib.forms import apply_validation_error
from accord.metrics import actions, exports
from accord.metrics.forms import ImportKind, MetricsImportForm


@login_required
@require_http_methods(["GET", "POST"])
def metrics_import(request: HttpRequest, slug: str) -> HttpResponse:
    engagement = engagement_for(request.user, slug)
    policy.require(request.user, Perm.MANAGE_KPI, engagement)
    assert isinstance(request.user, User)
    form = MetricsImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        kind = form.cleaned_data["kind"]
        run = (
            actions.import_kpi_values
            if kind == ImportKind.KPI_VALUES
            else actions.import_survey_responses
        )
        try:
            result = run(actor=request.user, engagement=engagement, data=form.cleaned_data["file"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            what = "KPI values" if kind == ImportKind.KPI_VALUES else "Survey responses"
            messages.success(
                request, f"{what} imported: {result.as_text()}. The KPIs are being recomputed."
            )
            return redirect("metrics:import", slug=engagement.slug)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "metrics/import.html",
        {"engagement": engagement, "form": form},
        status=status,
    )


@login_required
@require_safe
def measurements_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    return exports.download(engagement_for(request.user, slug), request.user, fmt)
