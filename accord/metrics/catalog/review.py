"""Code review metrics over pull requests: pickup time, time to merge and size (DESIGN.md).
first_review_at is derived in delivery (first review by someone other than the author, bots
excluded). Pure functions."""

from __future__ import annotations

import numpy as np

from accord.metrics.catalog.base import HOUR, Outcome, Period, in_period, metric, percentile, select
from accord.metrics.catalog.records import Inputs, PullRequests

NEEDS = ("pull_requests",)


def _prs(inputs: Inputs) -> PullRequests:
    assert inputs.pull_requests is not None
    return inputs.pull_requests


@metric(
    "pr_pickup_p50_hours",
    label="PR pickup time (p50)",
    group="review",
    unit="hours",
    better="lower",
    formula="Median of first review - created, in hours, over the pull requests whose first "
    "review or review comment by someone other than the author (bots excluded) falls in the "
    "period. PRs created in the period without such a review are listed as excluded.",
    needs=NEEDS,
)
def pr_pickup_p50(inputs: Inputs, period: Period) -> Outcome:
    """Median created → first review by someone else."""
    prs = _prs(inputs)
    picked = in_period(prs.first_review, period)
    hours = (prs.first_review - prs.created) / HOUR
    waiting = in_period(prs.created, period) & np.isnan(prs.first_review)
    return Outcome(
        value=percentile(hours[picked], 50),
        counted=[select("pull_request", prs.id, picked, hours)],
        excluded=[
            select(
                "pull_request",
                prs.id,
                waiting & prs.author_reviewed & ~prs.bot_reviewed,
                reason="reviewed only by its author",
            ),
            select("pull_request", prs.id, waiting & prs.bot_reviewed, reason="bot review"),
            select(
                "pull_request",
                prs.id,
                waiting & ~prs.author_reviewed & ~prs.bot_reviewed,
                reason="not reviewed yet",
            ),
        ],
        inputs={"pull_requests": int(picked.sum())},
    )


@metric(
    "pr_time_to_merge_p50_hours",
    label="PR time to merge (p50)",
    group="review",
    unit="hours",
    better="lower",
    formula="Median of merged - created, in hours, over the pull requests merged in the period.",
    needs=NEEDS,
)
def pr_time_to_merge_p50(inputs: Inputs, period: Period) -> Outcome:
    """Median created → merged."""
    prs = _prs(inputs)
    merged = in_period(prs.merged, period)
    hours = (prs.merged - prs.created) / HOUR
    return Outcome(
        value=percentile(hours[merged], 50),
        counted=[select("pull_request", prs.id, merged, hours)],
        inputs={"pull_requests": int(merged.sum())},
    )


@metric(
    "pr_size_p50_lines",
    label="PR size (p50)",
    group="review",
    unit="lines",
    better="lower",
    formula="Median of lines added + deleted over the pull requests merged in the period; PRs "
    "whose size the source did not give are excluded.",
    needs=NEEDS,
)
def pr_size_p50(inputs: Inputs, period: Period) -> Outcome:
    """Median lines changed per merged PR."""
    prs = _prs(inputs)
    merged = in_period(prs.merged, period)
    known = merged & ~np.isnan(prs.size)
    return Outcome(
        value=percentile(prs.size[known], 50),
        counted=[select("pull_request", prs.id, known, prs.size)],
        excluded=[select("pull_request", prs.id, merged & ~known, reason="size unknown")],
        inputs={"pull_requests": int(known.sum())},
    )


METRICS = [pr_pickup_p50, pr_time_to_merge_p50, pr_size_p50]
