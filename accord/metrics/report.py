"""The KPI report a manager sends to the vendor and to management.

Every KPI of an engagement with its value, target, warning threshold, status and change against
the previous period; its trend drawn from the dashboard's own chart definition (`trend_spec`,
turned into SVG by `chart_svg`), its formula and how many records were counted and excluded, and
the values people entered by hand, with who recorded them. One context serves the HTML preview
and the PDF (accord/lib/reports.py).

By default each KPI shows the periods its dashboard card shows (the last 12 weeks, 12 months or
8 quarters) and is judged, as on the card, by the last period that has ended.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from accord.accounts import policy
from accord.accounts.models import User
from accord.engagements.models import Engagement
from accord.lib.charts import ChartPoint, Spec, chart_svg, drawable, trend_spec
from accord.lib.reports import html_to_pdf, render_report
from accord.metrics import queries
from accord.metrics.catalog import CATALOG, Period, compute_many
from accord.metrics.dashboard_forms import CUSTOM, affiliation_choices, period_label
from accord.metrics.dashboard_views import KpiExplainUrls
from accord.metrics.models import KPI, Better, ManualValue, Measurement, Status
from accord.metrics.periods import Bounds, period_containing, periods_between
from accord.metrics.templatetags.metric_format import metric_value, percent
from accord.vendors.models import Vendor

# Printed charts: as wide as an A4 page's text, and lower than on the page so two fit a page.
CHART_WIDTH = 600
CHART_HEIGHT = 150


@dataclass(frozen=True)
class ReportSpan:
    """The days a report covers, from `since` (inclusive) to `until` (exclusive), either open.

    Each KPI shows every period of its kind overlapping the span; an open start shows as many
    periods as its dashboard card, ending with the one containing `until` (or now)."""

    since: dt.datetime | None = None
    until: dt.datetime | None = None

    def periods(self, kind: str, now: dt.datetime) -> list[Bounds]:
        """The periods of `kind` a KPI shows, oldest first."""
        last = period_containing(kind, self.until - dt.timedelta(seconds=1) if self.until else now)
        if self.since is not None:
            # A start after the last period still shows the period containing it.
            end = max(last[1], self.since + dt.timedelta(microseconds=1))
            return periods_between(kind, self.since, end)
        window = [last]
        while len(window) < queries.SPARKLINE_PERIODS[kind]:
            window.insert(0, period_containing(kind, window[0][0] - dt.timedelta(days=1)))
        return window

    @property
    def label(self) -> str:
        def day(moment: dt.datetime) -> str:
            return f"{moment.day} {moment:%b %Y}"

        if self.since is not None and self.until is not None:
            return f"{day(self.since)} to {day(self.until - dt.timedelta(days=1))}"
        if self.since is not None:
            return f"{day(self.since)} to today"
        latest = "The latest 12 weeks, 12 months or 8 quarters of each KPI"
        if self.until is not None:
            return f"{latest} up to {day(self.until - dt.timedelta(days=1))}"
        return f"{latest}, as on the dashboard"


@dataclass(frozen=True)
class ManualRow:
    """A value entered or imported by hand for a period, and who recorded it."""

    period: str
    value: float
    note: str
    recorded_by: str
    recorded_at: dt.datetime


@dataclass(frozen=True)
class KpiSection:
    """One KPI as the report shows it: the summary row and its page section."""

    kpi: KPI
    metric_label: str
    unit: str
    formula: str
    affiliation: str
    period: str
    value: float | None
    status: str
    change: str
    chart: SafeString | None
    counted: int | None
    excluded: int | None
    # The explain page of the shown period (the preview links it; a printed page cannot).
    explain_url: str
    manual: list[ManualRow] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return Status(self.status).label


@dataclass(frozen=True)
class KpiReport:
    engagement: Engagement
    span: ReportSpan
    generated_at: dt.datetime
    zone: str
    generated_by: str
    sections: list[KpiSection]


def _kpis(engagement: Engagement, user: User | None) -> list[KPI]:
    if user is None:  # the operator at the server (CLI without --user)
        return list(KPI.objects.filter(engagement=engagement, active=True).order_by("name"))
    return list(queries.engagement_kpis(engagement, user))


def _measurements(user: User | None) -> QuerySet[Measurement]:
    return policy.visible_measurements(user) if user is not None else Measurement.objects.all()


def _manual_values(user: User | None) -> QuerySet[ManualValue]:
    return policy.visible_manual_values(user) if user is not None else ManualValue.objects.all()


def _affiliation_labels(engagement: Engagement, user: User | None) -> dict[str, str]:
    if user is not None:
        return dict(affiliation_choices(user, engagement))
    # The operator sees every vendor.
    labels = dict(affiliation_choices(AnonymousUser(), engagement))
    vendors = Vendor.objects.order_by("name")
    return labels | {f"vendor:{v.organization_id}": v.name for v in vendors}


def _shown(periods: list[Bounds], now: dt.datetime) -> Bounds:
    """The period a KPI is judged by: the last that has ended, else the current one."""
    ended = [p for p in periods if p[1] <= now]
    return ended[-1] if ended else periods[-1]


def change_text(value: float | None, previous: float | None, *, unit: str, better: str) -> str:
    """How a value moved since the previous period: "+1.5 h (worse)", "no change", "no data"."""
    if value is None or previous is None:
        return "no data"
    delta = value - previous
    if abs(delta) < 1e-9:
        return "no change"
    verdict = "better" if (delta > 0) == (better == Better.HIGHER) else "worse"
    if unit == "class":  # DORA classes have names, not sizes
        return f"was {metric_value(previous, unit)} ({verdict})"
    sign = "+" if delta > 0 else "-"
    size = f"{percent(abs(delta) * 100)} pts" if unit == "ratio" else metric_value(abs(delta), unit)
    return f"{sign}{size} ({verdict})"


# Drawn charts kept by their spec in each process (~30 ms of CPU each saved): the same spec
# always draws the same chart, so any process may keep any. Not in Django's cache, whose few
# entries hold the dashboards. 256 charts of ~11 KB.
@functools.lru_cache(maxsize=256)
def _drawn(spec: str) -> str:
    return chart_svg(json.loads(spec), width=CHART_WIDTH)


def chart_of(spec: Spec) -> SafeString:
    """The chart drawn to SVG by vl-convert, which escapes every text it draws."""
    return mark_safe(_drawn(json.dumps(spec, sort_keys=True)))  # noqa: S308


def _evidence_counts(
    engagement: Engagement, kpis: list[KPI], shown: dict[int, Bounds]
) -> dict[int, tuple[int, int]]:
    """Counted and excluded records behind each KPI's shown value, one load per affiliation."""
    by_affiliation: dict[str, list[KPI]] = defaultdict(list)
    for kpi in kpis:
        if kpi.metric_key in CATALOG:
            by_affiliation[kpi.affiliation].append(kpi)
    counts: dict[int, tuple[int, int]] = {}
    for affiliation, group in by_affiliation.items():
        periods = {k.pk: Period(*shown[k.pk]) for k in group}
        results = compute_many(
            engagement,
            sorted({k.metric_key for k in group}),
            set(periods.values()),
            affiliation=affiliation or None,
        )
        for kpi in group:
            result = results[(kpi.metric_key, periods[kpi.pk])]
            counts[kpi.pk] = (result.evidence_count, result.excluded_count)
    return counts


def _manual_rows(
    engagement: Engagement, user: User | None, kpis: list[KPI], spans: dict[int, Bounds]
) -> dict[int, list[ManualRow]]:
    """The hand-entered values each KPI's periods read, with who recorded them."""
    keyed = [k for k in kpis if "manual_values" in getattr(CATALOG.get(k.metric_key), "needs", ())]
    if not keyed:
        return {}
    values = list(
        _manual_values(user)
        .filter(
            engagement=engagement,
            metric_key__in={k.metric_key for k in keyed},
            period_start__lt=max(spans[k.pk][1] for k in keyed),
            period_end__gt=min(spans[k.pk][0] for k in keyed),
        )
        .select_related("recorded_by")
        .order_by("period_start", "id")
    )
    rows: dict[int, list[ManualRow]] = {}
    for kpi in keyed:
        start, end = spans[kpi.pk]
        rows[kpi.pk] = [
            ManualRow(
                period=period_label(CUSTOM, v.period_start, v.period_end),
                value=v.value,
                note=v.note,
                recorded_by=v.recorded_by.display_name if v.recorded_by else "an import",
                recorded_at=v.recorded_at,
            )
            for v in values
            if v.metric_key == kpi.metric_key and v.period_start < end and v.period_end > start
        ]
    return rows


def build_report(
    engagement: Engagement,
    *,
    user: User | None,
    span: ReportSpan,
    zone: dt.tzinfo,
    now: dt.datetime | None = None,
) -> KpiReport:
    """Everything the report shows, read as `user` may see it (None: the server's operator)."""
    now = now or timezone.now()
    kpis = _kpis(engagement, user)
    periods = {k.pk: span.periods(k.period_kind, now) for k in kpis}
    shown = {k.pk: _shown(periods[k.pk], now) for k in kpis}
    previous = {
        k.pk: period_containing(k.period_kind, shown[k.pk][0] - dt.timedelta(days=1)) for k in kpis
    }
    stored: dict[tuple[int, dt.datetime], Measurement] = {}
    if kpis:
        earliest = min(min(periods[k.pk][0][0], previous[k.pk][0]) for k in kpis)
        for measurement in (
            _measurements(user)
            .filter(kpi__in=kpis, period_start__gte=earliest, period_start__lt=now)
            .only("kpi_id", "period_start", "value", "status")
        ):
            stored[(measurement.kpi_id, measurement.period_start)] = measurement
    counts = _evidence_counts(engagement, kpis, shown)
    covered = {k.pk: (periods[k.pk][0][0], periods[k.pk][-1][1]) for k in kpis}
    manual = _manual_rows(engagement, user, kpis, covered)
    affiliations = _affiliation_labels(engagement, user)
    sections = []
    for kpi in kpis:
        metric = CATALOG.get(kpi.metric_key)
        unit = metric.unit if metric else ""

        def value_at(start: dt.datetime, kpi_id: int = kpi.pk) -> float | None:
            found = stored.get((kpi_id, start))
            return found.value if found is not None else None

        current = stored.get((kpi.pk, shown[kpi.pk][0]))
        points = [
            ChartPoint(label=period_label(kpi.period_kind, *bounds), value=value_at(bounds[0]))
            for bounds in periods[kpi.pk]
        ]
        spec = trend_spec(
            points,
            title=kpi.name,
            unit=unit,
            target=kpi.target,
            threshold=kpi.warning_threshold,
            height=CHART_HEIGHT,
        )
        counted, excluded = counts.get(kpi.pk, (None, None))
        sections.append(
            KpiSection(
                kpi=kpi,
                metric_label=metric.label if metric else kpi.metric_key,
                unit=unit,
                formula=metric.formula if metric else "",
                affiliation=affiliations.get(kpi.affiliation, kpi.affiliation)
                if kpi.affiliation
                else "",
                period=period_label(kpi.period_kind, *shown[kpi.pk]),
                value=current.value if current else None,
                status=current.status if current else Status.NO_DATA,
                change=change_text(
                    current.value if current else None,
                    value_at(previous[kpi.pk][0]),
                    unit=unit,
                    better=kpi.better,
                ),
                chart=chart_of(spec) if drawable(points) else None,
                counted=counted,
                excluded=excluded,
                explain_url=KpiExplainUrls(engagement, kpi).at(shown[kpi.pk][0]),
                manual=manual.get(kpi.pk, []),
            )
        )
    return KpiReport(
        engagement=engagement,
        span=span,
        generated_at=now,
        zone=getattr(zone, "key", str(zone)),
        generated_by=user.display_name if user is not None else "the operator at the server",
        sections=sections,
    )


def user_zone(user: User | None) -> dt.tzinfo:
    """The zone a user reads times in (UTC for the operator or an unknown zone name)."""
    try:
        return zoneinfo.ZoneInfo(user.time_zone) if user and user.time_zone else dt.UTC
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def render_html(report: KpiReport, *, standalone: bool = False, **extra: Any) -> str:
    """The report as HTML; `extra` goes to the template (the preview's period picker)."""
    return render_report(
        "metrics/report/kpi_report.html",
        {"report": report, "engagement": report.engagement, **extra},
        stylesheets=["metrics/report.css"],
        standalone=standalone,
    )


def render_pdf(report: KpiReport) -> bytes:
    """The report as PDF, through WeasyPrint."""
    return html_to_pdf(render_html(report, standalone=True))
