"""DORA metrics: deployment frequency and its class, lead time for changes, change failure
rate and time to restore (DESIGN.md). Pure functions over the loaded deployments, pull requests
and incidents."""

from __future__ import annotations

import numpy as np

from accord.metrics.catalog.base import (
    DAY,
    HOUR,
    Outcome,
    Period,
    in_period,
    metric,
    percentile,
    ratio,
    select,
)
from accord.metrics.catalog.records import Deployments, Inputs

NEEDS = ("deployments",)
CLASSES = {4: "daily", 3: "weekly", 2: "monthly", 1: "fewer"}


def _deployments(inputs: Inputs) -> Deployments:
    assert inputs.deployments is not None
    return inputs.deployments


def successful(deployments: Deployments, period: Period) -> tuple[np.ndarray, list]:
    """(successful production deployments finished in the period, the excluded ones)."""
    finished = in_period(deployments.finished, period)
    good = finished & deployments.production & deployments.success
    return good, [
        select(
            "deployment",
            deployments.id,
            finished & ~deployments.production,
            reason="deployment not in production",
        ),
        select(
            "deployment",
            deployments.id,
            finished & deployments.production & ~deployments.success,
            reason="failed deployment",
        ),
    ]


@metric(
    "deployment_frequency_per_week",
    label="Deployment frequency",
    group="dora",
    unit="per week",
    better="higher",
    formula="Successful production deployments finished in the period ÷ the period's length in "
    "weeks (a local day lengthened or shortened by a DST change counts as one day).",
    needs=NEEDS,
)
def deployment_frequency(inputs: Inputs, period: Period) -> Outcome:
    """Successful production deployments per week."""
    deployments = _deployments(inputs)
    good, excluded = successful(deployments, period)
    count = int(good.sum())
    return Outcome(
        value=count / period.weeks if count else None,
        counted=[select("deployment", deployments.id, good)],
        excluded=excluded,
        inputs={"deployments": count, "weeks": round(period.weeks, 6)},
    )


def _median_days(times: np.ndarray, period: Period, buckets: int) -> float:
    """Median over equal slices of the period of the number of distinct UTC deployment days."""
    width = (period.end_ts - period.start_ts) / buckets
    slot = np.minimum(((times - period.start_ts) // width).astype(np.int64), buckets - 1)
    day = (times // DAY).astype(np.int64)
    days = np.zeros(buckets)
    for index in range(buckets):
        days[index] = len(np.unique(day[slot == index]))
    return float(np.median(days))


@metric(
    "deployment_frequency_class",
    label="Deployment frequency class",
    group="dora",
    unit="class",
    better="higher",
    formula="The DORA class by deployment days (distinct UTC days with a successful production "
    "deployment): median per week ≥ 3 → daily (4); ≥ 1 per week → weekly (3); ≥ 1 per month "
    "(30 days) → monthly (2); otherwise fewer (1). Weeks and months are equal slices of the "
    "period; the class name is in the inputs.",
    needs=NEEDS,
)
def deployment_frequency_class(inputs: Inputs, period: Period) -> Outcome:
    """DORA deployment frequency class by deployment days."""
    deployments = _deployments(inputs)
    good, excluded = successful(deployments, period)
    times = deployments.finished[good]
    if len(times) == 0:
        return Outcome(value=None, excluded=excluded, inputs={"class": None})
    weeks = max(1, round(period.days / 7))
    months = max(1, round(period.days / 30))
    per_week = _median_days(times, period, weeks)
    per_month = (
        _median_days(times, period, months)
        if period.days >= 28
        else len(np.unique((times // DAY).astype(np.int64)))
    )
    if per_week >= 3:
        code = 4
    elif per_week >= 1:
        code = 3
    elif per_month >= 1:
        code = 2
    else:
        code = 1
    return Outcome(
        value=float(code),
        counted=[select("deployment", deployments.id, good)],
        excluded=excluded,
        inputs={
            "class": CLASSES[code],
            "median_deployment_days_per_week": per_week,
            "median_deployment_days_per_month": per_month,
        },
    )


@metric(
    "lead_time_for_changes_p50_hours",
    label="Lead time for changes (p50)",
    group="dora",
    unit="hours",
    better="lower",
    formula="Median of deployed - merged, in hours, over the merged pull requests whose first "
    "successful production deployment finished in the period. That deployment is the one of the "
    "PR's merge commit if there is one, else the first successful production deployment of the "
    "same data source (repository) finished at or after the merge. Changes merged in the period "
    "and not yet in production by its end are excluded.",
    needs=("deployments", "pull_requests"),
)
def lead_time_for_changes(inputs: Inputs, period: Period) -> Outcome:
    """Median merge → first production deployment containing the change."""
    prs = inputs.pull_requests
    assert prs is not None
    deployed = prs.deployed
    counted = in_period(deployed, period)
    hours = (deployed - prs.merged) / HOUR
    waiting = in_period(prs.merged, period) & ~(deployed < period.end_ts)
    return Outcome(
        value=percentile(hours[counted], 50),
        counted=[select("pull_request", prs.id, counted, hours)],
        excluded=[
            select("pull_request", prs.id, waiting, reason="not in production by the period's end")
        ],
        inputs={"changes": int(counted.sum())},
    )


@metric(
    "change_failure_rate",
    label="Change failure rate",
    group="dora",
    unit="ratio",
    better="lower",
    formula="Successful production deployments finished in the period that have an incident "
    "attributed to them (the latest successful production deployment at or before the "
    "incident's start) ÷ all successful production deployments finished in the period.",
    needs=NEEDS,
)
def change_failure_rate(inputs: Inputs, period: Period) -> Outcome:
    """Deployments followed by an attributed incident ÷ all deployments."""
    deployments = _deployments(inputs)
    good, excluded = successful(deployments, period)
    failed = good & (deployments.incidents > 0)
    return Outcome(
        value=ratio(int(failed.sum()), int(good.sum())),
        counted=[select("deployment", deployments.id, good, deployments.incidents)],
        excluded=excluded,
        inputs={"deployments": int(good.sum()), "with_incident": int(failed.sum())},
    )


@metric(
    "time_to_restore_p50_hours",
    label="Time to restore (p50)",
    group="dora",
    unit="hours",
    better="lower",
    formula="Median of resolved - started, in hours, over the incidents started in the period; "
    "incidents not resolved yet are excluded.",
    needs=("deployments", "incidents"),
)
def time_to_restore(inputs: Inputs, period: Period) -> Outcome:
    """Median incident duration."""
    incidents = inputs.incidents
    assert incidents is not None
    started = in_period(incidents.started, period)
    resolved = started & ~np.isnan(incidents.resolved)
    hours = (incidents.resolved - incidents.started) / HOUR
    return Outcome(
        value=percentile(hours[resolved], 50),
        counted=[select("incident", incidents.id, resolved, hours)],
        excluded=[select("incident", incidents.id, started & ~resolved, reason="not resolved yet")],
        inputs={"incidents": int(resolved.sum())},
    )


METRICS = [
    deployment_frequency,
    deployment_frequency_class,
    lead_time_for_changes,
    change_failure_rate,
    time_to_restore,
]
