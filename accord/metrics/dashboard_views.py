"""Metrics pages: every catalog metric for a period, the explanation of one value, the
engagement's KPI dashboard with its trends, the KPI form, and the portfolio across engagements.

Every page asks the policy first: the engagement must be visible (404 otherwise, so a vendor user
never learns of another vendor's engagement), and only KPI managers may change KPIs (403).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accord.accounts import policy
from accord.accounts.models import User
from accord.accounts.policy import Perm
from accord.engagements.models import Engagement
from accord.engagements.queries import engagement_for
from accord.lib.charts import ChartPoint, drawable, sparkline_spec, trend_spec
from accord.lib.forms import apply_validation_error
from accord.metrics import actions, queries
from accord.metrics.catalog import CATALOG, Metric, MetricResult, Period, compute, compute_many
from accord.metrics.catalog.base import GROUPS
from accord.metrics.dashboard_cache import board_key, cached_board
from accord.metrics.dashboard_forms import (
    GROUP_LABELS,
    KPIForm,
    PeriodForm,
    affiliation_choices,
    period_label,
)
from accord.metrics.models import KPI, Measurement, PeriodKind, Status
from accord.metrics.periods import period_containing

EVIDENCE_PAGE_SIZE = 50
# Periods drawn on an explain page's trend, ending with the one explained.
TREND_PERIODS = 8
# Where a kind of evidence lives among Accord's own record pages.
RECORD_PAGES = {
    "work_item": "delivery:work_items",
    "pull_request": "delivery:pull_requests",
    "deployment": "delivery:deployments",
    "incident": "delivery:incidents",
}


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _engagement(request: HttpRequest, slug: str) -> Engagement:
    engagement = engagement_for(request.user, slug)
    policy.require(request.user, Perm.VIEW_ENGAGEMENT, engagement)
    return engagement


def _explain_url(engagement: Engagement, key: str, query: str) -> str:
    url = reverse("metrics:explain", args=[engagement.slug, key])
    return f"{url}?{query}" if query else url


# --- Every catalog metric for one period ------------------------------------------------------


@dataclass(frozen=True)
class MetricRow:
    metric: Metric
    result: MetricResult
    explain_url: str


@login_required
@require_safe
def engagement_metrics(request: HttpRequest, slug: str) -> HttpResponse:
    engagement = _engagement(request, slug)
    form = PeriodForm(request.GET or None, user=request.user, engagement=engagement)
    chosen = form.chosen()
    results = compute_many(
        engagement, list(CATALOG), [chosen.period], affiliation=chosen.affiliation or None
    )
    groups = [
        (
            GROUP_LABELS[group],
            [
                MetricRow(
                    metric=m,
                    result=results[(m.key, chosen.period)],
                    explain_url=_explain_url(engagement, m.key, chosen.query),
                )
                for m in CATALOG.values()
                if m.group == group
            ],
        )
        for group in GROUPS
    ]
    return render(
        request,
        "metrics/engagement_metrics.html",
        {"engagement": engagement, "form": form, "chosen": chosen, "groups": groups},
    )


# --- One value explained ----------------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceRow:
    kind: str
    label: str
    url: str
    value: float | None
    reason: str
    record_url: str


def _evidence_rows(items: list[Any], engagement: Engagement) -> list[EvidenceRow]:
    rows = []
    for item in items:
        page = RECORD_PAGES.get(item.kind)
        record_url = ""
        if page is not None:
            record_url = reverse(page, args=[engagement.slug])
            if item.kind == "work_item" and item.label:
                record_url += "?" + urlencode({"search": item.label.split(" ", 1)[0]})
        rows.append(
            EvidenceRow(
                kind=item.kind.replace("_", " "),
                label=item.label or f"#{item.id}",
                url=item.url if item.url.startswith(("https://", "http://")) else "",
                value=item.value,
                reason=item.reason,
                record_url=record_url,
            )
        )
    return rows


def _query_without(request: HttpRequest, *dropped: str) -> dict[str, str]:
    return {k: str(request.GET.get(k, "")) for k in request.GET if k not in dropped}


def _trend_periods(kind: str, period: Period) -> list[Period]:
    """The explained period and the ones before it, oldest first (calendar periods only)."""
    periods = [period]
    while len(periods) < TREND_PERIODS:
        start, end = period_containing(kind, periods[0].start - dt.timedelta(days=1))
        periods.insert(0, Period(start, end))
    return periods


@login_required
@require_safe
def metric_explain(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    engagement = _engagement(request, slug)
    metric = CATALOG.get(key)
    if metric is None:
        raise Http404("There is no such metric.")
    kpi = None
    if request.GET.get("kpi", "").isdigit():
        kpi = (
            policy.visible_kpis(request.user)
            .filter(engagement=engagement, metric_key=key, pk=int(request.GET["kpi"]))
            .first()
        )
    form = PeriodForm(request.GET or None, user=request.user, engagement=engagement)
    chosen = form.chosen()
    affiliation = chosen.affiliation or None
    result = compute(engagement, key, chosen.period, affiliation=affiliation)
    counted = Paginator(_evidence_rows(result.counted, engagement), EVIDENCE_PAGE_SIZE)
    excluded = Paginator(_evidence_rows(result.excluded, engagement), EVIDENCE_PAGE_SIZE)
    trend: dict[str, Any] | None = None
    points: list[ChartPoint] = []
    if chosen.kind != "custom":
        periods = _trend_periods(chosen.kind, chosen.period)
        history = compute_many(engagement, [key], periods, affiliation=affiliation)
        for period in periods:
            query = _query_without(request, "counted", "excluded")
            query.update(at=period.start.date().isoformat(), kind=chosen.kind)
            points.append(
                ChartPoint(
                    label=period_label(chosen.kind, period.start, period.end),
                    value=history[(key, period)].value,
                    url=_explain_url(engagement, key, urlencode(query)),
                )
            )
        if drawable(points):
            trend = trend_spec(
                points,
                title=metric.label,
                unit=metric.unit,
                target=kpi.target if kpi else None,
                threshold=kpi.warning_threshold if kpi else None,
            )
    kept = _query_without(request, "counted", "excluded")
    status = kpi.status_of(result.value) if kpi else ""
    context = {
        "engagement": engagement,
        "metric": metric,
        "result": result,
        "kpi": kpi,
        "status": status,
        "status_label": Status(status).label if status else "",
        "form": form,
        "chosen": chosen,
        "counted": counted.get_page(request.GET.get("counted")),
        "excluded": excluded.get_page(request.GET.get("excluded")),
        "inputs": sorted(result.inputs.items()),
        "trend": trend,
        "trend_points": points,
        "query": urlencode(kept),
        "kpi_query": f"&kpi={kpi.pk}" if kpi else "",
    }
    return render(request, "metrics/explain.html", context)


# --- KPI dashboard ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CardView:
    card: queries.KpiCard
    value: float | None
    status: str
    period: str
    affiliation: str
    explain_url: str
    sparkline: dict[str, Any] | None
    trend: dict[str, Any] | None
    points: list[ChartPoint]


class KpiExplainUrls:
    """The explain links of one KPI's periods: a dashboard of 30 KPIs links ~400 periods, and a
    `reverse()` + `urlencode()` each cost most of its view's time, so the path and the fixed
    parameters are built once and only the day changes (same text as `urlencode` gives)."""

    def __init__(self, engagement: Engagement, kpi: KPI) -> None:
        path = reverse("metrics:explain", args=[engagement.slug, kpi.metric_key])
        self.head = f"{path}?{urlencode({'kind': kpi.period_kind})}&at="
        tail = {"kpi": str(kpi.pk)}
        if kpi.affiliation:
            tail["affiliation"] = kpi.affiliation
        self.tail = f"&{urlencode(tail)}"

    def at(self, start: dt.datetime) -> str:
        """The explain link of the period starting at `start`."""
        return f"{self.head}{start.date().isoformat()}{self.tail}"


def _kpi_explain_url(engagement: Engagement, kpi: KPI, start: dt.datetime) -> str:
    return KpiExplainUrls(engagement, kpi).at(start)


def _shown_measurement(series: list[Measurement], now: dt.datetime) -> Measurement | None:
    """The measurement a card and the portfolio judge a KPI by: that of the last period that
    has ended (a period still running would read as off track on its first day), else the
    current one."""
    ended = [m for m in series if m.period_end <= now]
    return ended[-1] if ended else (series[-1] if series else None)


def _bounds(measurement: Measurement) -> tuple[dt.datetime, dt.datetime]:
    return measurement.period_start, measurement.period_end


def _card_view(
    engagement: Engagement, card: queries.KpiCard, now: dt.datetime, affiliations: dict[str, str]
) -> CardView:
    kpi = card.kpi
    urls = KpiExplainUrls(engagement, kpi)
    by_start = {m.period_start: m for m in card.series}
    # Every period of the sparkline window, so a period without a measurement is a gap.
    current = period_containing(kpi.period_kind, now)
    window = [current]
    while len(window) < queries.SPARKLINE_PERIODS[PeriodKind(kpi.period_kind)]:
        window.insert(0, period_containing(kpi.period_kind, window[0][0] - dt.timedelta(days=1)))
    points = []
    for start, end in window:
        measurement = by_start.get(start)
        points.append(
            ChartPoint(
                label=period_label(kpi.period_kind, start, end),
                value=measurement.value if measurement else None,
                url=urls.at(start),
            )
        )
    shown = _shown_measurement(card.series, now)
    return CardView(
        card=card,
        value=shown.value if shown else None,
        status=shown.status if shown else Status.NO_DATA,
        period=period_label(kpi.period_kind, *(current if shown is None else _bounds(shown))),
        affiliation=affiliations.get(kpi.affiliation, kpi.affiliation) if kpi.affiliation else "",
        explain_url=urls.at(shown.period_start if shown else now),
        points=points,
        sparkline=sparkline_spec(points, title=kpi.name) if drawable(points) else None,
        trend=trend_spec(
            points,
            title=kpi.name,
            unit=card.unit,
            target=kpi.target,
            threshold=kpi.warning_threshold,
        )
        if drawable(points)
        else None,
    )


@login_required
@require_safe
def kpi_dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    engagement = _engagement(request, slug)
    now = timezone.now()
    affiliations = dict(affiliation_choices(request.user, engagement))
    may_manage = policy.can(request.user, Perm.MANAGE_KPI, engagement)

    def board(csrf_token: str) -> str:
        cards = [
            _card_view(engagement, card, now, affiliations)
            for card in queries.kpi_cards(engagement, request.user, now=now)
        ]
        context = {
            "engagement": engagement,
            "cards": cards,
            "may_manage": may_manage,
            "csrf_token": csrf_token,
        }
        return render_to_string("metrics/includes/kpi_board.html", context)

    key = board_key(engagement, now=now, may_manage=may_manage, affiliations=affiliations)
    return render(
        request,
        "metrics/kpi_dashboard.html",
        {
            "engagement": engagement,
            "board": cached_board(request, key, board),
            "may_manage": may_manage,
        },
    )


# --- Defining and editing KPIs ----------------------------------------------------------------


def _kpi(request: HttpRequest, engagement: Engagement, pk: int) -> KPI:
    return get_object_or_404(policy.visible_kpis(request.user), engagement=engagement, pk=pk)


def _kpi_form(request: HttpRequest, engagement: Engagement, kpi: KPI | None) -> HttpResponse:
    """The KPI form: a new KPI through `define_kpi`, an existing one through `edit_kpi`."""
    policy.require(request.user, Perm.MANAGE_KPI, kpi or engagement)
    form = KPIForm(request.POST or None, kpi=kpi, user=request.user, engagement=engagement)
    if request.method == "POST" and form.is_valid():
        try:
            if kpi is None:
                saved = actions.define_kpi(
                    actor=_actor(request), engagement=engagement, **form.kpi_fields()
                )
                done = f"KPI “{saved.name}” added; its periods are being computed."
            else:
                saved = actions.edit_kpi(actor=_actor(request), kpi=kpi, **form.kpi_fields())
                done = f"KPI “{saved.name}” saved."
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, done)
            return redirect("metrics:dashboard", slug=engagement.slug)
    return render(
        request,
        "metrics/kpi_form.html",
        {"engagement": engagement, "form": form, "kpi": kpi},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def kpi_add(request: HttpRequest, slug: str) -> HttpResponse:
    return _kpi_form(request, _engagement(request, slug), None)


@login_required
@require_http_methods(["GET", "POST"])
def kpi_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    engagement = _engagement(request, slug)
    return _kpi_form(request, engagement, _kpi(request, engagement, pk))


@login_required
@require_POST
def kpi_deactivate(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    engagement = _engagement(request, slug)
    kpi = _kpi(request, engagement, pk)
    policy.require(request.user, Perm.MANAGE_KPI, kpi)
    actions.deactivate_kpi(actor=_actor(request), kpi=kpi)
    messages.success(request, f"KPI “{kpi.name}” is no longer tracked; its history is kept.")
    return redirect("metrics:dashboard", slug=engagement.slug)


# --- Portfolio --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PortfolioCell:
    kpi: KPI
    value: float | None
    status: str
    unit: str
    explain_url: str


@login_required
@require_safe
def portfolio(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, Perm.VIEW_ENGAGEMENT)
    now = timezone.now()
    # As on the KPI cards: the last period that has ended.
    latest = (
        Measurement.objects.filter(kpi=OuterRef("pk"), period_end__lte=now)
        .order_by("-period_start")
        .values("pk")[:1]
    )
    kpis = list(
        policy.visible_kpis(request.user)
        .filter(active=True)
        .select_related("engagement__vendor")
        .annotate(latest_id=Subquery(latest))
        .order_by("engagement__name", "name")
    )
    measurements = Measurement.objects.in_bulk(
        [k.latest_id for k in kpis if k.latest_id is not None]
    )
    keys = sorted(
        {k.metric_key for k in kpis},
        key=lambda key: list(CATALOG).index(key) if key in CATALOG else len(CATALOG),
    )
    units = {key: CATALOG[key].unit if key in CATALOG else "" for key in keys}
    rows: dict[int, tuple[Engagement, dict[str, list[PortfolioCell]]]] = {}
    for kpi in kpis:
        engagement = kpi.engagement
        _, cells = rows.setdefault(engagement.pk, (engagement, {key: [] for key in keys}))
        measurement = measurements.get(kpi.latest_id)
        start = measurement.period_start if measurement else now
        cells[kpi.metric_key].append(
            PortfolioCell(
                kpi=kpi,
                value=measurement.value if measurement else None,
                status=measurement.status if measurement else Status.NO_DATA,
                unit=units[kpi.metric_key],
                explain_url=_kpi_explain_url(engagement, kpi, start),
            )
        )
    columns = [(key, CATALOG[key].label if key in CATALOG else key) for key in keys]
    return render(
        request,
        "metrics/portfolio.html",
        {
            "columns": columns,
            "rows": [(e, [cells[key] for key in keys]) for e, cells in rows.values()],
        },
    )
