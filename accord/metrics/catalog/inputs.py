"""The catalog's loader, its only I/O: reads an engagement's delivery records ONCE for the union
of the requested periods into numpy arrays (times as epoch seconds, NaN for none), and
resolves each record's affiliation at the time of its work. Work items are read by
`work_items.py`; the SQL helpers are in `sql.py`.

Raw SQL with the time conversion done by the database keeps a million rows from becoming a
million datetime objects; everything after the fetch is vectorized."""

# SQL here interpolates only quoted table names from model metadata, int() ids and fixed column
# expressions; every value from outside goes in as a query parameter.
# ruff: noqa: S608
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from accord.delivery.models import (
    DataSource,
    Deployment,
    Incident,
    PullRequest,
    PullRequestReview,
    Sprint,
    SprintMembership,
    WorkItem,
)
from accord.metrics.catalog.affiliation import (
    AffiliationFilter,
    client_organization_ids,
    organizations_at,
)
from accord.metrics.catalog.base import DAY
from accord.metrics.catalog.records import (
    Deployments,
    Epics,
    Incidents,
    Inputs,
    ManualValues,
    PullRequests,
    Sprints,
    Surveys,
    deployment_of_changes,
    deployment_orgs,
    filter_rows,
)
from accord.metrics.catalog.sql import (
    epoch,
    fetch,
    floats,
    in_list,
    in_table_order,
    table_name,
    time_param,
)
from accord.metrics.catalog.work_items import SHORT_SPAN, load_status_times, load_work_items

CHUNK = 900
# Changes merged this long before a span can still reach production inside it (lead time for
# changes counts a change when its deployment finishes), so they are read too.
CHANGE_LOOKBACK = 90 * DAY


# -- the loader -----------------------------------------------------------------------------


def source_ids(engagement_id: int) -> list[int]:
    return list(DataSource.objects.filter(engagement_id=engagement_id).values_list("id", flat=True))


def load_inputs(
    *,
    engagement_id: int,
    span: tuple[float, float],
    needs: Iterable[str],
    affiliation: AffiliationFilter,
    epics_span: tuple[float, float] | None = None,
    ids: bool = True,
) -> Inputs:
    """Read what the requested metrics need for [span) in a few queries, filtered by affiliation;
    the epics for `epics_span` when given (time-to-market acceleration also looks at the period
    before each one, and only at epics: the other records are not read for those). Without
    `ids` the work items' ids are 0: only evidence lists name them."""
    needs = set(needs)
    sources = source_ids(engagement_id)
    inputs = Inputs(
        engagement_id=engagement_id,
        span=span,
        affiliation=affiliation,
        client_ids=client_organization_ids(),
    )
    if "work_items" in needs or "status_times" in needs:
        inputs.work_items = load_work_items(sources, span, affiliation, inputs.client_ids, ids=ids)
    if "status_times" in needs:
        inputs.status_times = load_status_times(sources, span, inputs.work_items)
    if "sprints" in needs:
        inputs.sprints = _sprints(sources, span)
    if needs & {"pull_requests", "deployments", "incidents"}:
        # Deployments need the pull requests for their lead time and, split by affiliation,
        # their side (their changes' authors'); otherwise they are not read.
        wants_prs = "pull_requests" in needs or affiliation.raw is not None
        prs = _pull_requests(sources if wants_prs else [], span)
        deployments = _deployments(sources, span, prs, history=wants_prs)
        if "pull_requests" in needs or "deployments" in needs:
            inputs.pull_requests = filter_rows(prs, affiliation.keep(prs.org, inputs.client_ids))
        inputs.deployments = filter_rows(
            deployments, affiliation.keep(deployments.org, inputs.client_ids)
        )
        if "incidents" in needs:
            inputs.incidents = _incidents(sources, span, inputs.deployments, affiliation)
        inputs.extra["tracks_incidents"] = Incident.objects.filter(
            data_source_id__in=sources
        ).exists()
    if "epics" in needs:
        inputs.epics = _epics(sources, epics_span or span)
    if "manual_values" in needs:
        inputs.manual_values = _manual_values(engagement_id, span)
    if "surveys" in needs:
        inputs.surveys = _surveys(engagement_id, span)
    return inputs


def _sprints(sources: list[int], span: tuple[float, float]) -> Sprints:
    lo, hi = time_param(span[0]), time_param(span[1])
    sprint_rows = fetch(
        f"SELECT id, {epoch('start_at')}, {epoch('complete_at')} FROM {table_name(Sprint)} "
        f"WHERE data_source_id IN {in_list(sources)} AND complete_at >= %s AND complete_at < %s "
        "ORDER BY complete_at, id",
        [lo, hi],
    )
    s = floats(sprint_rows, 3, times=[1, 2])
    ids = s[:, 0].astype(np.int64)
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(ids), CHUNK):
        rows += fetch(
            f"SELECT m.sprint_id, m.work_item_id, m.in_at_start, m.in_at_close, "
            f"{epoch('m.added_at')}, {epoch('m.removed_at')}, {epoch('w.done_at')}, "
            "CAST(w.story_points AS REAL) "
            f"FROM {table_name(SprintMembership)} m "
            f"JOIN {table_name(WorkItem)} w ON w.id = m.work_item_id "
            f"WHERE m.sprint_id IN {in_list(ids[start : start + CHUNK].tolist())}"
        )
    m = floats([(r[0], r[1], bool(r[2]), bool(r[3]), *r[4:]) for r in rows], 8, times=[4, 5, 6])
    position = {int(pk): i for i, pk in enumerate(ids)}
    m_sprint = np.array([position[int(pk)] for pk in m[:, 0]], dtype=np.int64)
    start_at = s[m_sprint, 1] if len(m) else np.empty(0)
    close_at = s[m_sprint, 2] if len(m) else np.empty(0)
    planned = m[:, 2].astype(bool)
    at_close = m[:, 3].astype(bool)
    added, removed, done = m[:, 4], m[:, 5], m[:, 6]
    with np.errstate(invalid="ignore"):
        return Sprints(
            id=ids,
            start=s[:, 1],
            complete=s[:, 2],
            m_sprint=m_sprint,
            m_item=m[:, 1].astype(np.int64),
            m_planned=planned,
            m_in_at_close=at_close,
            m_added=~planned & (added >= start_at) & (added < close_at),
            m_removed=~at_close & (removed >= start_at) & (removed < close_at),
            m_done_at_close=at_close & (done <= close_at),
            m_points=m[:, 7],
        )


def _pull_requests(sources: list[int], span: tuple[float, float]) -> PullRequests:
    """Pull requests created, merged (or merged up to CHANGE_LOOKBACK before) or first reviewed
    in the span. For a short span a union of three index ranges, not one OR that SQLite answers
    by reading every pull request of the source (1 000 000 items, a month: 0.62 → 0.30 s of
    CPU); a long one, which holds most of them, walks them once."""
    lo, hi = time_param(span[0]), time_param(span[1])
    table, where = table_name(PullRequest), f"data_source_id IN {in_list(sources)}"
    reviews = table_name(PullRequestReview)
    columns = (
        f"p.id, p.data_source_id, {epoch('p.created_at')}, {epoch('p.first_review_at')}, "
        f"{epoch('p.merged_at')}, p.additions + p.deletions, COALESCE(p.author_id, 0), "
        f"EXISTS (SELECT 1 FROM {reviews} r WHERE r.pull_request_id = p.id "
        "AND r.reviewer_login <> '' AND LOWER(r.reviewer_login) = LOWER(p.author_login)), "
        f"EXISTS (SELECT 1 FROM {reviews} r WHERE r.pull_request_id = p.id AND r.is_bot), "
        "p.merge_commit_sha"
    )
    params = [lo, hi, time_param(span[0] - CHANGE_LOOKBACK), hi, lo, hi]
    if not sources:  # none asked for: no query
        rows: list[tuple[Any, ...]] = []
    elif span[1] - span[0] > SHORT_SPAN:
        rows = fetch(
            f"SELECT {columns} FROM {table} p WHERE p.{where} AND ("
            "(p.created_at >= %s AND p.created_at < %s) OR (p.merged_at >= %s AND p.merged_at < %s)"
            " OR (p.first_review_at >= %s AND p.first_review_at < %s))"
            f"{in_table_order('p.id')}",
            params,
        )
    else:
        rows = fetch(
            f"SELECT {columns} FROM {table} p WHERE p.id IN ("
            f"SELECT id FROM {table} WHERE {where} AND created_at >= %s AND created_at < %s UNION "
            f"SELECT id FROM {table} WHERE {where} AND merged_at >= %s AND merged_at < %s UNION "
            f"SELECT id FROM {table} WHERE {where} "
            "AND first_review_at >= %s AND first_review_at < %s)",
            params,
        )
    data = floats([(*r[:7], bool(r[7]), bool(r[8])) for r in rows], 9, times=[2, 3, 4])
    prs = PullRequests(
        id=data[:, 0].astype(np.int64),
        source=data[:, 1].astype(np.int64),
        created=data[:, 2],
        first_review=data[:, 3],
        merged=data[:, 4],
        size=data[:, 5],
        merge_sha=np.array([r[9] or "" for r in rows], dtype=object),
        author_reviewed=data[:, 7].astype(bool),
        bot_reviewed=data[:, 8].astype(bool),
        org=np.zeros(len(rows), dtype=np.int64),
        deployed=np.full(len(rows), np.nan),
    )
    prs.org = organizations_at(data[:, 6].astype(np.int64), prs.created)
    return prs


def _deployments(
    sources: list[int], span: tuple[float, float], prs: PullRequests, *, history: bool
) -> Deployments:
    """Deployments finished in the span, and with `history` the successful production ones
    before it too (the lead time of a change merged in the span needs the first one after the
    merge)."""
    lo, hi = time_param(span[0]), time_param(span[1])
    finished = "COALESCE(d.finished_at, d.started_at)"
    before = "OR (d.is_production AND d.status = 'success')" if history else ""
    rows = fetch(
        f"SELECT d.id, d.data_source_id, {epoch(finished)}, d.is_production, "
        f"d.status = 'success', (SELECT COUNT(*) FROM {table_name(Incident)} i "
        "WHERE i.deployment_id = d.id), d.commit_sha "
        f"FROM {table_name(Deployment)} d WHERE d.data_source_id IN {in_list(sources)} "
        f"AND {finished} < %s AND ({finished} >= %s {before})",
        [hi, lo],
    )
    data = floats([(r[0], r[1], r[2], bool(r[3]), bool(r[4]), r[5]) for r in rows], 6, times=[2])
    order = np.lexsort((data[:, 0], data[:, 2])) if len(rows) else np.empty(0, np.int64)
    data = data[order]
    deployments = Deployments(
        id=data[:, 0].astype(np.int64),
        source=data[:, 1].astype(np.int64),
        finished=data[:, 2],
        production=data[:, 3].astype(bool),
        success=data[:, 4].astype(bool),
        sha=np.array([rows[i][6] or "" for i in order], dtype=object),
        incidents=data[:, 5].astype(np.int64),
        org=np.zeros(len(rows), dtype=np.int64),
    )
    link = deployment_of_changes(prs, deployments)
    prs.deployed[link >= 0] = deployments.finished[link[link >= 0]]
    deployments.org = deployment_orgs(link, prs.org, len(deployments.id))
    return deployments


def _incidents(
    sources: list[int],
    span: tuple[float, float],
    deployments: Deployments | None,
    affiliation: AffiliationFilter,
) -> Incidents:
    lo, hi = time_param(span[0]), time_param(span[1])
    rows = fetch(
        f"SELECT id, {epoch('started_at')}, {epoch('resolved_at')}, COALESCE(deployment_id, 0) "
        f"FROM {table_name(Incident)} WHERE data_source_id IN {in_list(sources)} "
        "AND started_at < %s AND (resolved_at IS NULL OR resolved_at >= %s OR started_at >= %s)",
        [hi, lo, lo],
    )
    data = floats(rows, 4, times=[1, 2])
    incidents = Incidents(
        id=data[:, 0].astype(np.int64),
        started=data[:, 1],
        resolved=data[:, 2],
        deployment=data[:, 3].astype(np.int64),
    )
    if affiliation.raw is not None and deployments is not None:
        # An incident belongs to the side whose deployment it is attributed to.
        incidents = filter_rows(incidents, np.isin(incidents.deployment, deployments.id))
    return incidents


def _epics(sources: list[int], span: tuple[float, float]) -> Epics:
    """Epics done in the span, found through the (source, LOWER(item_type), done) index: the
    expression here must stay LOWER(item_type) for the databases to use it (1 000 000 items,
    none an epic: 0.27 s of CPU reading every item → nothing)."""
    lo, hi = time_param(span[0]), time_param(span[1])
    table = table_name(WorkItem)
    rows = fetch(
        f"SELECT e.id, {epoch('e.done_at')}, {epoch('e.started_at')}, "
        f"(SELECT {epoch('MIN(c.started_at)')} FROM {table} c WHERE c.data_source_id = "
        "e.data_source_id AND c.id <> e.id AND (c.epic_key = e.key OR c.parent_key = e.key)) "
        f"FROM {table} e WHERE e.data_source_id IN {in_list(sources)} "
        "AND LOWER(e.item_type) = 'epic' "
        "AND e.done_at >= %s AND e.done_at < %s"
        f"{in_table_order('e.id')}",
        [lo, hi],
    )
    data = floats(rows, 4, times=[1, 2, 3])
    return Epics(
        id=data[:, 0].astype(np.int64),
        done=data[:, 1],
        first_start=np.fmin(data[:, 2], data[:, 3]),
    )


def _manual_values(engagement_id: int, span: tuple[float, float]) -> ManualValues:
    from accord.metrics.models import ManualValue

    rows = fetch(
        f"SELECT id, metric_key, {epoch('period_start')}, {epoch('period_end')}, value "
        f"FROM {table_name(ManualValue)} WHERE engagement_id = %s AND period_start < %s "
        "AND period_end > %s ORDER BY period_start, id",
        [engagement_id, time_param(span[1]), time_param(span[0])],
    )
    data = floats([(r[0], r[2], r[3], r[4]) for r in rows], 4, times=[1, 2])
    return ManualValues(
        id=data[:, 0].astype(np.int64),
        key=np.array([r[1] for r in rows], dtype=object),
        start=data[:, 1],
        end=data[:, 2],
        value=data[:, 3],
    )


def _surveys(engagement_id: int, span: tuple[float, float]) -> Surveys:
    from accord.metrics.models import SurveyResponse

    rows = fetch(
        f"SELECT id, kind, score, {epoch('responded_at')} FROM {table_name(SurveyResponse)} "
        "WHERE engagement_id = %s AND responded_at >= %s AND responded_at < %s",
        [engagement_id, time_param(span[0]), time_param(span[1])],
    )
    data = floats([(r[0], r[2], r[3]) for r in rows], 3, times=[2])
    return Surveys(
        id=data[:, 0].astype(np.int64),
        kind=np.array([r[1] for r in rows], dtype=object),
        score=data[:, 1],
        responded=data[:, 2],
    )
