"""The metric catalog (issue 5): every metric a pure function over an engagement's delivery
data and a period, returning its value, unit, better direction, formula and evidence.

    compute(engagement, "throughput", Period(start, end))            # with evidence
    compute_many(engagement, keys, periods, evidence=False)           # one load for all

The loader (`inputs.py`) reads the records once for the union of the periods; the metric
functions (one module per group) never touch the database."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from accord.metrics.catalog import dora, flow, quality, review, sprints, strategic
from accord.metrics.catalog.affiliation import AffiliationFilter, BadAffiliation
from accord.metrics.catalog.base import (
    EvidenceItem,
    Metric,
    MetricResult,
    Outcome,
    Period,
    in_period,
    shared_masks,
)
from accord.metrics.catalog.evidence import evidence_items
from accord.metrics.catalog.inputs import load_inputs
from accord.metrics.catalog.records import CANCELLED, Inputs, filter_rows

__all__ = [
    "CATALOG",
    "BadAffiliation",
    "EvidenceItem",
    "Metric",
    "MetricResult",
    "Period",
    "UnknownMetric",
    "compute",
    "compute_many",
]

CATALOG: dict[str, Metric] = {
    m.key: m for module in (flow, sprints, review, dora, quality, strategic) for m in module.METRICS
}
NOT_SPLIT = "not split by affiliation"


class UnknownMetric(KeyError):
    """A metric key the catalog does not have."""

    def __str__(self) -> str:
        return f"There is no metric “{self.args[0]}”; known: {', '.join(CATALOG)}."


def _metrics(keys: Iterable[str]) -> list[Metric]:
    found = []
    for key in keys:
        if key not in CATALOG:
            raise UnknownMetric(key)
        found.append(CATALOG[key])
    return found


def _engagement_id(engagement: Any) -> int:
    return int(getattr(engagement, "pk", engagement))


def _span(periods: Sequence[Period]) -> tuple[float, float]:
    return min(p.start_ts for p in periods), max(p.end_ts for p in periods)


def _result(metric: Metric, outcome: Outcome, *, evidence: bool, note: str = "") -> MetricResult:
    counted = [item for s in outcome.counted for item in evidence_items(s)] if evidence else []
    excluded = [item for s in outcome.excluded for item in evidence_items(s)] if evidence else []
    inputs = dict(outcome.inputs)
    if note:
        inputs["affiliation"] = note
    return MetricResult(
        key=metric.key,
        value=None if outcome.value is None else float(outcome.value),
        unit=metric.unit,
        better=metric.better,
        formula=metric.formula,
        counted=counted,
        excluded=excluded,
        inputs=inputs,
        evidence_count=sum(len(s) for s in outcome.counted),
        excluded_count=sum(len(s) for s in outcome.excluded),
    )


def _evaluate(
    metrics: list[Metric],
    periods: Sequence[Period],
    inputs: Inputs,
    *,
    evidence: bool,
) -> dict[tuple[str, Period], MetricResult]:
    results: dict[tuple[str, Period], MetricResult] = {}
    split = inputs.affiliation.raw is not None
    narrowing = _Narrowing(inputs) if len(periods) > 1 else None
    for period in periods:
        narrowed = narrowing.to(period) if narrowing is not None else inputs
        with shared_masks():
            for metric in metrics:
                if split and not metric.splittable:
                    outcome = Outcome(value=None)
                    note = NOT_SPLIT
                else:
                    outcome = metric.function(narrowed, period)
                    note = inputs.affiliation.raw or ""
                result = _result(metric, outcome, evidence=evidence, note=note)
                results[(metric.key, period)] = result
    return results


class _Narrowing:
    """Narrows the inputs to the work items one period's metrics can select: done or cancelled
    in it, or started before its end and not done before it (in progress at its end). Every
    mask a flow or quality metric takes is within these rows, in the same order, so values and
    evidence are those of the whole span, while a year of items is not scanned per period.

    With never-done items as done at +inf, "done in the period or started before its end and
    not done before it" is "done at or after its start, and done before its end or started
    before it": two comparisons of the whole span per period rather than eight."""

    def __init__(self, inputs: Inputs) -> None:
        self.inputs = inputs
        items = inputs.work_items
        if items is None:
            return
        self.done = np.where(np.isnan(items.done), np.inf, items.done)
        self.cancelled = np.flatnonzero((items.category == CANCELLED) & ~np.isnan(items.updated))

    def to(self, period: Period) -> Inputs:
        items = self.inputs.work_items
        if items is None:
            return self.inputs
        with np.errstate(invalid="ignore"):
            relevant = (self.done >= period.start_ts) & (
                (self.done < period.end_ts) | (items.started < period.end_ts)
            )
        cancelled = self.cancelled[in_period(items.updated[self.cancelled], period)]
        relevant[cancelled] = True
        return dataclasses.replace(self.inputs, work_items=filter_rows(items, relevant))


def compute_many(
    engagement: Any,
    keys: Iterable[str],
    periods: Iterable[Period],
    *,
    affiliation: str | None = None,
    evidence: bool = False,
    baseline: Period | None = None,
) -> dict[tuple[str, Period], MetricResult]:
    """Every (metric, period) pair from one read of the records for the union of the periods.

    Without `evidence` the results carry values and evidence counts but no evidence lists, so a
    full recompute stays fast; `baseline` is the period time-to-market acceleration compares
    against (by default the period of the same length just before each period)."""
    metrics = _metrics(keys)
    periods = list(dict.fromkeys(periods))
    if not metrics or not periods:
        return {}
    wanted = AffiliationFilter.parse(affiliation)
    looked_at = [*periods, *strategic.baselines(periods, baseline, metrics)]
    needs = {n for m in metrics for n in (m.needs | (m.evidence_needs if evidence else set()))}
    inputs = load_inputs(
        engagement_id=_engagement_id(engagement),
        span=_span(periods),
        needs=needs,
        affiliation=wanted,
        epics_span=_span(looked_at),
        ids=evidence,
    )
    inputs.extra["baseline"] = baseline
    inputs.extra["engagement"] = engagement
    return _evaluate(metrics, periods, inputs, evidence=evidence)


def compute(
    engagement: Any,
    key: str,
    period: Period,
    *,
    affiliation: str | None = None,
    baseline: Period | None = None,
) -> MetricResult:
    """One metric for one period, with its counted and excluded evidence."""
    return compute_many(
        engagement, [key], [period], affiliation=affiliation, evidence=True, baseline=baseline
    )[(key, period)]
