"""The arrays the metric functions read: one dataclass per kind of record, times as epoch
seconds (NaN for none), plus the pure derivations the loader and the metrics share."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from accord.metrics.catalog.affiliation import MIXED_ORG, UNKNOWN_ORG, AffiliationFilter

CATEGORY_CODES = {"todo": 0, "in_progress": 1, "done": 2, "cancelled": 3}
TODO, IN_PROGRESS, DONE, CANCELLED = 0, 1, 2, 3
BUG_TYPES = frozenset({"bug", "defect", "缺陷", "故障", "incident", "hotfix"})


# The record sets (a metric's `needs`) that a change to each kind of delivery record can move.
# Work items feed the flow and quality metrics, sprints (points, done at close) and epics;
# pull requests give deployments their affiliation (and incidents theirs through them) and
# lead time for changes; an incident's link changes its deployment's failure. Git commits feed
# no metric.
NEEDS_AFTER_CHANGE: dict[str, frozenset[str]] = {
    "workitem": frozenset({"work_items", "status_times", "sprints", "epics"}),
    "statuschange": frozenset({"work_items", "status_times", "sprints", "epics"}),
    "sprint": frozenset({"sprints"}),
    "sprintmembership": frozenset({"sprints"}),
    "pullrequest": frozenset({"pull_requests", "deployments", "incidents"}),
    "pullrequestreview": frozenset({"pull_requests", "deployments", "incidents"}),
    "deployment": frozenset({"deployments", "incidents"}),
    "incident": frozenset({"deployments", "incidents"}),
    "commit": frozenset(),
}


def needs_after_change(kinds: set[str]) -> set[str] | None:
    """The record sets whose metrics a change to records of these kinds (model names) can move;
    None (every metric) when one is not in NEEDS_AFTER_CHANGE."""
    if any(kind not in NEEDS_AFTER_CHANGE for kind in kinds):
        return None
    return set().union(*(NEEDS_AFTER_CHANGE[kind] for kind in kinds))


@dataclass
class WorkItems:
    """Work items whose done, start or cancellation could fall in the span."""

    id: np.ndarray
    source: np.ndarray
    created: np.ndarray
    started: np.ndarray
    done: np.ndarray
    updated: np.ndarray  # read for cancelled items only (when they were cancelled), else NaN
    category: np.ndarray
    is_bug: np.ndarray
    org: np.ndarray
    active: np.ndarray  # seconds of the cycle in active statuses (derived in delivery)


@dataclass
class StatusTimes:
    """Seconds each item done in the span spent in each status between its start and done."""

    item: np.ndarray  # work item id per row
    done: np.ndarray  # the item's done time per row
    status: np.ndarray  # status code per row, an index into `names`
    seconds: np.ndarray
    active: np.ndarray  # bool per row
    names: list[str]


@dataclass
class Sprints:
    """Sprints closed in the span and their memberships (one row per sprint and item)."""

    id: np.ndarray
    start: np.ndarray
    complete: np.ndarray
    m_sprint: np.ndarray  # index into the sprint arrays
    m_item: np.ndarray
    m_planned: np.ndarray
    m_in_at_close: np.ndarray
    m_added: np.ndarray
    m_removed: np.ndarray
    m_done_at_close: np.ndarray
    m_points: np.ndarray


@dataclass
class PullRequests:
    """Pull requests created, reviewed or merged in the span."""

    id: np.ndarray
    source: np.ndarray
    created: np.ndarray
    first_review: np.ndarray
    merged: np.ndarray
    size: np.ndarray
    merge_sha: np.ndarray  # object
    author_reviewed: np.ndarray  # reviewed by its own author
    bot_reviewed: np.ndarray
    org: np.ndarray
    # When the first successful production deployment containing the change finished (NaN
    # until one did), linked before any affiliation filter so a split never re-links changes.
    deployed: np.ndarray


@dataclass
class Deployments:
    """Deployments finished in the span (and, for lead time, up to the span's end)."""

    id: np.ndarray
    source: np.ndarray
    finished: np.ndarray
    production: np.ndarray
    success: np.ndarray
    sha: np.ndarray  # object
    incidents: np.ndarray  # attributed incidents
    org: np.ndarray


@dataclass
class Incidents:
    id: np.ndarray
    started: np.ndarray
    resolved: np.ndarray
    deployment: np.ndarray  # 0 when not attributed


@dataclass
class Epics:
    """Epics done in the span with the first start of any work in them."""

    id: np.ndarray
    done: np.ndarray
    first_start: np.ndarray


@dataclass
class ManualValues:
    """Values entered or imported by hand for the engagement, overlapping the span."""

    id: np.ndarray
    key: np.ndarray  # object
    start: np.ndarray
    end: np.ndarray
    value: np.ndarray


@dataclass
class Surveys:
    """Survey answers (CSAT 1-5, NPS 0-10) given in the span."""

    id: np.ndarray
    kind: np.ndarray  # object
    score: np.ndarray
    responded: np.ndarray


@dataclass
class Inputs:
    """Everything the metric functions read, for one engagement, span and affiliation."""

    engagement_id: int
    span: tuple[float, float]
    affiliation: AffiliationFilter
    client_ids: np.ndarray
    work_items: WorkItems | None = None
    status_times: StatusTimes | None = None
    sprints: Sprints | None = None
    pull_requests: PullRequests | None = None
    deployments: Deployments | None = None
    incidents: Incidents | None = None
    epics: Epics | None = None
    manual_values: ManualValues | None = None
    surveys: Surveys | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def filter_rows(records: Any, mask: np.ndarray) -> Any:
    """The same record set with only the rows of `mask`."""
    if bool(mask.all()):
        return records
    # The rows' positions once, then a take per column: a third of the time of masking each
    # column (each boolean index counts the mask again).
    rows = np.flatnonzero(mask)
    values = {name: getattr(records, name).take(rows) for name in records.__dataclass_fields__}
    return type(records)(**values)


def deployment_of_changes(prs: PullRequests, deployments: Deployments) -> np.ndarray:
    """Per pull request: the index of the first successful production deployment containing it,
    -1 when none yet. A deployment of the PR's merge commit wins; otherwise the first
    successful production deployment of the same data source finished at or after the merge."""
    link = np.full(len(prs.id), -1, dtype=np.int64)
    good = deployments.production & deployments.success
    merged = ~np.isnan(prs.merged)
    for source in np.unique(prs.source[merged]):
        candidates = np.flatnonzero(good & (deployments.source == source))
        mine = np.flatnonzero(merged & (prs.source == source))
        if len(candidates) == 0 or len(mine) == 0:
            continue
        times = deployments.finished[candidates]
        at = np.searchsorted(times, prs.merged[mine], side="left")
        found = at < len(candidates)
        link[mine[found]] = candidates[at[found]]
    mine = np.flatnonzero(merged & (prs.merge_sha != ""))
    with_sha = np.flatnonzero(good & (deployments.sha != ""))
    if len(mine) == 0 or len(with_sha) == 0:
        return link
    # The earliest good deployment of each commit (np.unique's first index: deployments are in
    # finished order), looked up for every PR's merge commit at once.
    shas, first = np.unique(deployments.sha[with_sha].astype(str), return_index=True)
    wanted = prs.merge_sha[mine].astype(str)
    at = np.minimum(np.searchsorted(shas, wanted), len(shas) - 1)
    exact = with_sha[first[at]]
    hit = (shas[at] == wanted) & (deployments.finished[exact] >= prs.merged[mine])
    link[mine[hit]] = exact[hit]
    return link


def deployment_orgs(link: np.ndarray, pr_orgs: np.ndarray, count: int) -> np.ndarray:
    """A deployment's affiliation: that of the authors of the changes it shipped, or mixed."""
    orgs = np.zeros(count, dtype=np.int64)
    linked = link >= 0
    for dep, org in zip(link[linked], pr_orgs[linked], strict=True):
        if org == UNKNOWN_ORG:
            continue
        if orgs[dep] == UNKNOWN_ORG:
            orgs[dep] = org
        elif orgs[dep] != org:
            orgs[dep] = MIXED_ORG
    return orgs
