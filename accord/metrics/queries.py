"""Reads of KPIs and measurements that pages, the API, exports and reviews share.

Every function takes the user and answers only what the access policy lets them see; callers
that hold an engagement got it through `policy.visible_engagements` already."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from accord.accounts import policy
from accord.metrics.models import KPI, Measurement, PeriodKind
from accord.metrics.periods import period_containing

if TYPE_CHECKING:
    from accord.accounts.policy import AnyUser
    from accord.engagements.models import Engagement
    from accord.metrics.catalog import MetricResult

# How many periods a card's sparkline shows, by period kind.
SPARKLINE_PERIODS: dict[str, int] = {
    PeriodKind.WEEK: 12,
    PeriodKind.MONTH: 12,
    PeriodKind.QUARTER: 8,
}


@dataclass
class KpiCard:
    """One KPI on an engagement's dashboard: its latest measurement and recent history."""

    kpi: KPI
    label: str
    unit: str
    series: list[Measurement] = field(default_factory=list)

    @property
    def latest(self) -> Measurement | None:
        """The most recent period's measurement (the current, possibly partial, period)."""
        return self.series[-1] if self.series else None

    @property
    def status(self) -> str:
        return self.latest.status if self.latest is not None else "no_data"


def engagement_kpis(engagement: Engagement, user: AnyUser, *, active: bool = True) -> QuerySet[KPI]:
    """The KPIs of an engagement the user may see, by name (only active ones by default)."""
    kpis = policy.visible_kpis(user).filter(engagement=engagement)
    if active:
        kpis = kpis.filter(active=True)
    return kpis.order_by("name")


def _sparkline_since(kind: str, now: dt.datetime) -> dt.datetime:
    start = period_containing(kind, now)[0]
    for _ in range(SPARKLINE_PERIODS[kind] - 1):
        start = period_containing(kind, start - dt.timedelta(seconds=1))[0]
    return start


def kpi_cards(
    engagement: Engagement, user: AnyUser, *, now: dt.datetime | None = None
) -> list[KpiCard]:
    """Cards for an engagement's active KPIs with their recent measurements, in two queries."""
    from accord.metrics.catalog import CATALOG

    now = now or timezone.now()
    kpis = list(engagement_kpis(engagement, user))
    if not kpis:
        return []
    recent = Q()
    for kind in {k.period_kind for k in kpis}:
        recent |= Q(kpi__period_kind=kind, period_start__gte=_sparkline_since(kind, now))
    by_kpi: dict[int, list[Measurement]] = defaultdict(list)
    for measurement in (
        Measurement.objects.filter(kpi__in=kpis, period_start__lte=now)
        .filter(recent)
        # A card draws these; `inputs` (JSON) would be decoded for each of ~400 rows unread.
        .only("kpi_id", "period_start", "period_end", "value", "status")
        .order_by("kpi_id", "period_start")
    ):
        by_kpi[measurement.kpi_id].append(measurement)
    cards = []
    for kpi in kpis:
        metric = CATALOG.get(kpi.metric_key)
        cards.append(
            KpiCard(
                kpi=kpi,
                label=metric.label if metric else kpi.metric_key,
                unit=metric.unit if metric else "",
                series=by_kpi.get(kpi.pk, []),
            )
        )
    return cards


def measurement_series(
    kpi: KPI, *, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> QuerySet[Measurement]:
    """A KPI's measurements oldest first, optionally only periods starting in [since, until)."""
    series = kpi.measurements.order_by("period_start")
    if since is not None:
        series = series.filter(period_start__gte=since)
    if until is not None:
        series = series.filter(period_start__lt=until)
    return series


def engagement_measurements(engagement: Engagement, user: AnyUser) -> QuerySet[Measurement]:
    """Every visible measurement of an engagement's KPIs, by KPI name and period (exports)."""
    return _export_order(policy.visible_measurements(user).filter(kpi__engagement=engagement))


def all_measurements(engagement: Engagement) -> QuerySet[Measurement]:
    """Every measurement of an engagement, for the operator at the server (CLI without --user)."""
    return _export_order(Measurement.objects.filter(kpi__engagement=engagement))


def _export_order(measurements: QuerySet[Measurement]) -> QuerySet[Measurement]:
    return measurements.select_related("kpi").order_by("kpi__name", "kpi_id", "period_start")


def explain(measurement: Measurement) -> MetricResult:
    """The measurement's value recomputed now with its formula, counted and excluded items."""
    from accord.metrics.catalog import Period, compute

    kpi = measurement.kpi
    return compute(
        kpi.engagement,
        kpi.metric_key,
        Period(measurement.period_start, measurement.period_end),
        affiliation=kpi.affiliation or None,
    )


def evidence_payload(measurement: Measurement) -> dict[str, Any]:
    """The explanation of a measurement as plain data (the API and the explain page use it)."""
    result = explain(measurement)

    def items(evidence: list[Any]) -> list[dict[str, Any]]:
        return [
            {
                "kind": e.kind,
                "id": e.id,
                "label": e.label,
                "url": e.url,
                "value": e.value,
                "reason": e.reason,
            }
            for e in evidence
        ]

    return {
        "kpi": measurement.kpi_id,
        "metric_key": result.key,
        "period_start": measurement.period_start,
        "period_end": measurement.period_end,
        "value": result.value,
        "stored_value": measurement.value,
        "unit": result.unit,
        "better": result.better,
        "formula": result.formula,
        "evidence_count": result.evidence_count,
        "counted": items(result.counted),
        "excluded": items(result.excluded),
        "inputs": result.inputs,
    }
