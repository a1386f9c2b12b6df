"""The catalog's loader, its only I/O: reads an engagement's delivery records ONCE for the union
of the requested periods into numpy arrays (times as epoch seconds, NaN for none), resolves
and resolves each record's affiliation at the time of its work.

Raw SQL with the time conversion done by the database keeps a million rows from becoming a
million datetime objects; everything after the fetch is vectorized."""

# SQL here interpolates only quoted table names from model metadata, int() ids and fixed column
# expressions; every value from outside goes in as a query parameter.
# ruff: noqa: S608
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from django.db import connection

from accord.delivery.models import (
    DataSource,
    Deployment,
    Incident,
    PullRequest,
    PullRequestReview,
    SourceStatus,
    Sprint,
    SprintMembership,
    StatusChange,
    WorkItem,
)
from accord.delivery.models.sources import work_is_active
from accord.metrics.catalog.affiliation import (
    AffiliationFilter,
    client_organization_ids,
    organizations_at,
)
from accord.metrics.catalog.base import DAY
from accord.metrics.catalog.records import (
    BUG_TYPES,
    Deployments,
    Epics,
    Incidents,
    Inputs,
    ManualValues,
    PullRequests,
    Sprints,
    StatusTimes,
    Surveys,
    WorkItems,
    deployment_of_changes,
    deployment_orgs,
    filter_rows,
)

CHUNK = 900
# Bug types compared in SQL; LOWER there folds ASCII only, which is all these need to fold.
BUG_TYPES_ORDER = sorted(BUG_TYPES)
# Changes merged this long before a span can still reach production inside it (lead time for
# changes counts a change when its deployment finishes), so they are read too.
CHANGE_LOOKBACK = 90 * DAY


# -- SQL helpers --------------------------------------------------------------------------------


def epoch(column: str) -> str:
    """SQL for a timestamp column as whole epoch MILLIseconds, NULL stays NULL; `_floats` turns
    them into seconds. Rounding to a whole number is cheap in both databases, where rounding to
    3 decimals is not (SQLite's ROUND(x, 3) prints the number to text and parses it back, per
    value); ms / 1000 in numpy is the same double as the 3-decimal rounding gave."""
    if connection.vendor == "postgresql":
        return f"ROUND(EXTRACT(EPOCH FROM {column}) * 1000)::float8"
    return f"ROUND((julianday({column}) - 2440587.5) * 86400000.0)"


def _table(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _in(ids: Sequence[int]) -> str:
    return "(" + ",".join(str(int(i)) for i in ids) + ")" if ids else "(NULL)"


def _in_table_order(column: str) -> str:
    """On SQLite, an ORDER BY the primary key: the planner then walks the data source index,
    whose entries follow the table's order, instead of a time index that jumps through the
    table (100 000 work items of one year: 0.53 → 0.24 s of CPU). PostgreSQL plans well alone."""
    return f" ORDER BY {column}" if connection.vendor == "sqlite" else ""


def _fetch(sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.fetchall()


def _floats(
    rows: list[tuple[Any, ...]], width: int, times: Sequence[int] | slice = ()
) -> np.ndarray:
    """The rows as a float matrix; the `times` columns (read with `epoch`) in epoch seconds."""
    if not rows:
        return np.empty((0, width), dtype=float)
    data = np.array(rows, dtype=float).reshape(len(rows), width)
    data[:, times] /= 1000.0
    return data


def _time_param(ts: float) -> Any:
    """An epoch time as the database driver wants a timestamp parameter (SQLite compares text,
    so it must be spelled exactly as Django stores it)."""
    moment = dt.datetime.fromtimestamp(ts, dt.UTC)
    return connection.ops.adapt_datetimefield_value(moment)


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
        inputs.work_items = _work_items(sources, span, affiliation, inputs.client_ids, ids=ids)
    if "status_times" in needs:
        inputs.status_times = _status_times(sources, span, inputs.work_items)
    if "sprints" in needs:
        inputs.sprints = _sprints(sources, span)
    if needs & {"pull_requests", "deployments", "incidents"}:
        # Deployments need the pull requests for their lead time and, split by affiliation,
        # their side (their changes' authors'); otherwise they are not read.
        wants_prs = "pull_requests" in needs or affiliation.raw is not None
        prs = _pull_requests(sources, span) if wants_prs else _pull_requests([], span)
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


# A span up to this long reads its work items through index ranges (done in it, done after it
# and started before its end, cancelled in it, and the open items through their own partial
# index); a longer one walks the data source's items once, which costs less when most are in it.
SHORT_SPAN = 100 * DAY


def _item_columns(ids: bool) -> str:
    bug_types = ", ".join(["%s"] * len(BUG_TYPES_ORDER))
    return (
        f"{'id' if ids else '0'}, data_source_id, {epoch('created_at')}, {epoch('started_at')}, "
        f"{epoch('done_at')}, CASE WHEN status_category = 'cancelled' THEN {epoch('updated_at')} "
        f"END, {CATEGORY_SQL}, COALESCE(assignee_id, 0), "
        f"CASE WHEN LOWER(TRIM(item_type)) IN ({bug_types}) THEN 1 ELSE 0 END, active_seconds"
    )


CATEGORY_SQL = (
    "CASE status_category WHEN 'todo' THEN 0 WHEN 'in_progress' THEN 1 WHEN 'done' THEN 2 "
    "WHEN 'cancelled' THEN 3 ELSE 0 END"
)


def _item_rows(sources: list[int], span: tuple[float, float], *, ids: bool) -> np.ndarray:
    """The rows of the work items one of the span's periods can count: done in the span,
    cancelled in it, or started before its end and not done before its start. With `ids` in
    id order; without, the ids are 0 (nothing but evidence reads them) and the done items keep
    their id order, which sums over them follow."""
    lo, hi = _time_param(span[0]), _time_param(span[1])
    table, where = _table(WorkItem), f"data_source_id IN {_in(sources)}"
    if span[1] - span[0] > SHORT_SPAN:
        # SQLite returns them in id order; PostgreSQL in its own, so they are sorted here.
        sort = connection.vendor != "sqlite"
        rows = _fetch(
            f"SELECT {_item_columns(ids or sort)} FROM {table} WHERE {where} AND ("
            " (done_at >= %s AND done_at < %s)"
            " OR (started_at < %s AND (done_at IS NULL OR done_at >= %s))"
            " OR (status_category = 'cancelled' AND updated_at >= %s AND updated_at < %s))"
            f"{_in_table_order('id')}",
            [*BUG_TYPES_ORDER, lo, hi, hi, lo, lo, hi],
        )
        data = _floats(rows, 10, times=slice(2, 6))
        return data[np.argsort(data[:, 0], kind="stable")] if sort else data
    # On SQLite a unary plus keeps the start off the index, so "done after the span" walks the
    # done index from the span's end rather than every item started before it.
    started = "+started_at" if connection.vendor == "sqlite" else "started_at"
    cancelled = "status_category = 'cancelled' AND updated_at >= %s AND updated_at < %s"
    closed = _floats(
        _fetch(
            f"SELECT {_item_columns(ids)} FROM {table} WHERE id IN ("
            f"SELECT id FROM {table} WHERE {where} AND done_at >= %s AND done_at < %s UNION "
            f"SELECT id FROM {table} WHERE {where} AND done_at >= %s AND {started} < %s UNION "
            f"SELECT id FROM {table} WHERE {where} AND {cancelled}) ORDER BY id",
            [*BUG_TYPES_ORDER, lo, hi, hi, hi, lo, hi],
        ),
        10,
        times=slice(2, 6),
    )
    # The open items (not done, started before the span's end; those cancelled in it are in
    # `closed`) from the index of items not done, which holds every column read here: only what
    # work in progress needs. Created time, type and active time matter only once done.
    opened = _floats(
        _fetch(
            f"SELECT {'id' if ids else '0'}, data_source_id, {epoch('started_at')}, "
            f"{CATEGORY_SQL}, COALESCE(assignee_id, 0) FROM {table} WHERE {where} "
            f"AND done_at IS NULL AND started_at < %s AND NOT ({cancelled})",
            [hi, lo, hi],
        ),
        5,
        times=[2],
    )
    data = np.full((len(closed) + len(opened), 10), np.nan)
    data[: len(closed)] = closed
    data[len(closed) :, [0, 1, 3, 6, 7]] = opened
    data[len(closed) :, 8] = 0
    return data[np.argsort(data[:, 0], kind="stable")] if ids else data


def _work_items(
    sources: list[int],
    span: tuple[float, float],
    affiliation: AffiliationFilter,
    clients: np.ndarray,
    *,
    ids: bool,
) -> WorkItems:
    data = _item_rows(sources, span, ids=ids)
    count = len(data)
    items = WorkItems(
        id=data[:, 0].astype(np.int64),
        source=data[:, 1].astype(np.int64),
        created=data[:, 2],
        started=data[:, 3],
        done=data[:, 4],
        updated=data[:, 5],
        category=data[:, 6].astype(np.int8),
        is_bug=data[:, 8].astype(bool),
        org=np.zeros(count, dtype=np.int64),
        active=data[:, 9],
    )
    # The assignee's affiliation when the work was done (else started, else created).
    when = np.where(~np.isnan(items.done), items.done, items.started)
    when = np.where(np.isnan(when), items.created, when)
    items.org = organizations_at(data[:, 7].astype(np.int64), when)
    return filter_rows(items, affiliation.keep(items.org, clients))


def _status_times(
    sources: list[int], span: tuple[float, float], items: WorkItems | None
) -> StatusTimes:
    """Time in each status within [started, done) of the items done in the span.

    One query reads the status changes of those items in (item, time) order; the segments
    (first status from creation to the first change, then each change's target until the next
    change or done) are cut and clipped with array operations, not per-row Python."""
    empty = StatusTimes(
        item=np.empty(0, np.int64),
        done=np.empty(0),
        status=np.empty(0, np.int64),
        seconds=np.empty(0),
        active=np.empty(0, bool),
        names=[],
    )
    if items is None or len(items.id) == 0:
        return empty
    lo, hi = _time_param(span[0]), _time_param(span[1])
    rows = _fetch(
        f"SELECT c.work_item_id, {epoch('c.changed_at')}, c.from_status, c.to_status "
        f"FROM {_table(StatusChange)} c JOIN {_table(WorkItem)} w ON w.id = c.work_item_id "
        f"WHERE w.data_source_id IN {_in(sources)} AND w.done_at >= %s AND w.done_at < %s "
        "AND w.started_at IS NOT NULL ORDER BY c.work_item_id, c.changed_at, c.id",
        [lo, hi],
    )
    if not rows:
        return empty
    columns = list(zip(*rows, strict=True))
    codes: dict[str, int] = {}
    to_code = np.fromiter(
        (codes.setdefault(name, len(codes)) for name in columns[3]), np.int64, len(rows)
    )
    from_code = np.fromiter(
        (codes.setdefault(name or "", len(codes)) for name in columns[2]), np.int64, len(rows)
    )
    item = np.array(columns[0], dtype=np.int64)
    at = np.array(columns[1], dtype=float) / 1000.0
    # Each row's item in the loaded work items (those filtered out by affiliation drop here).
    order = np.argsort(items.id)
    where = np.searchsorted(items.id[order], item)
    where = np.minimum(where, len(order) - 1)
    known = items.id[order][where] == item
    index = order[where]
    first = np.r_[True, item[1:] != item[:-1]]
    last = np.r_[item[1:] != item[:-1], True]
    next_at = np.r_[at[1:], np.nan]
    done = items.done[index]
    end = np.where(last, done, next_at)
    seg_item = np.concatenate([item[first], item])
    seg_index = np.concatenate([index[first], index])
    seg_known = np.concatenate([known[first], known])
    blank = codes.get("")
    first_status = from_code[first]
    if blank is not None:  # no recorded first status: the first change's target from creation
        first_status = np.where(first_status == blank, to_code[first], first_status)
    seg_status = np.concatenate([first_status, to_code])
    seg_start = np.concatenate([items.created[index[first]], at])
    seg_end = np.concatenate([at[first], end])
    started = items.started[seg_index]
    seg_done = items.done[seg_index]
    seconds = np.clip(np.minimum(seg_end, seg_done) - np.maximum(seg_start, started), 0, None)
    names = [""] * len(codes)
    for name, code in codes.items():
        names[code] = name
    active = _active_table(sources, items.source[seg_index], seg_status, names)
    keep = seg_known & (seconds > 0)
    return StatusTimes(
        item=seg_item[keep],
        done=seg_done[keep],
        status=seg_status[keep],
        seconds=seconds[keep],
        active=active[keep],
        names=names,
    )


def _active_table(
    sources: list[int], source: np.ndarray, status: np.ndarray, names: list[str]
) -> np.ndarray:
    """Per segment: whether work is active in its status (looked up once per source and status)."""
    marked = dict(DataSource.objects.filter(pk__in=sources).values_list("id", "active_statuses"))
    categories = _status_categories(sources)
    pairs, inverse = np.unique(np.stack([source, status]), axis=1, return_inverse=True)
    flags = np.array(
        [
            work_is_active(
                names[code], categories.get((int(src), names[code]), "todo"), marked.get(int(src))
            )
            for src, code in pairs.T
        ],
        dtype=bool,
    )
    return flags[inverse.ravel()] if len(flags) else np.zeros(len(status), bool)


def _status_categories(sources: list[int]) -> dict[tuple[int, str], str]:
    return {
        (src, name): category
        for src, name, category in SourceStatus.objects.filter(
            data_source_id__in=sources
        ).values_list("data_source_id", "name", "category")
    }


def _sprints(sources: list[int], span: tuple[float, float]) -> Sprints:
    lo, hi = _time_param(span[0]), _time_param(span[1])
    sprint_rows = _fetch(
        f"SELECT id, {epoch('start_at')}, {epoch('complete_at')} FROM {_table(Sprint)} "
        f"WHERE data_source_id IN {_in(sources)} AND complete_at >= %s AND complete_at < %s "
        "ORDER BY complete_at, id",
        [lo, hi],
    )
    s = _floats(sprint_rows, 3, times=[1, 2])
    ids = s[:, 0].astype(np.int64)
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(ids), CHUNK):
        rows += _fetch(
            f"SELECT m.sprint_id, m.work_item_id, m.in_at_start, m.in_at_close, "
            f"{epoch('m.added_at')}, {epoch('m.removed_at')}, {epoch('w.done_at')}, "
            "CAST(w.story_points AS REAL) "
            f"FROM {_table(SprintMembership)} m JOIN {_table(WorkItem)} w ON w.id = m.work_item_id "
            f"WHERE m.sprint_id IN {_in(ids[start : start + CHUNK].tolist())}"
        )
    m = _floats([(r[0], r[1], bool(r[2]), bool(r[3]), *r[4:]) for r in rows], 8, times=[4, 5, 6])
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
    in the span. A union of three index ranges, not one OR that SQLite answers by reading every
    pull request of the source (1 000 000 items, a month: 0.62 → 0.30 s of CPU; a year costs
    the same either way)."""
    lo, hi = _time_param(span[0]), _time_param(span[1])
    table = _table(PullRequest)
    rows = _fetch(
        f"SELECT p.id, p.data_source_id, {epoch('p.created_at')}, {epoch('p.first_review_at')}, "
        f"{epoch('p.merged_at')}, p.additions + p.deletions, COALESCE(p.author_id, 0), "
        "EXISTS (SELECT 1 FROM "
        f"{_table(PullRequestReview)} r WHERE r.pull_request_id = p.id AND r.reviewer_login <> '' "
        "AND LOWER(r.reviewer_login) = LOWER(p.author_login)), "
        f"EXISTS (SELECT 1 FROM {_table(PullRequestReview)} r WHERE r.pull_request_id = p.id "
        "AND r.is_bot), p.merge_commit_sha "
        f"FROM {table} p WHERE p.id IN ("
        f"SELECT id FROM {table} WHERE data_source_id IN {_in(sources)} "
        "AND created_at >= %s AND created_at < %s UNION "
        f"SELECT id FROM {table} WHERE data_source_id IN {_in(sources)} "
        "AND merged_at >= %s AND merged_at < %s UNION "
        f"SELECT id FROM {table} WHERE data_source_id IN {_in(sources)} "
        "AND first_review_at >= %s AND first_review_at < %s)",
        [lo, hi, _time_param(span[0] - CHANGE_LOOKBACK), hi, lo, hi],
    )
    data = _floats([(*r[:7], bool(r[7]), bool(r[8])) for r in rows], 9, times=[2, 3, 4])
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
    lo, hi = _time_param(span[0]), _time_param(span[1])
    finished = "COALESCE(d.finished_at, d.started_at)"
    before = "OR (d.is_production AND d.status = 'success')" if history else ""
    rows = _fetch(
        f"SELECT d.id, d.data_source_id, {epoch(finished)}, d.is_production, "
        f"d.status = 'success', (SELECT COUNT(*) FROM {_table(Incident)} i "
        "WHERE i.deployment_id = d.id), d.commit_sha "
        f"FROM {_table(Deployment)} d WHERE d.data_source_id IN {_in(sources)} "
        f"AND {finished} < %s AND ({finished} >= %s {before})",
        [hi, lo],
    )
    data = _floats([(r[0], r[1], r[2], bool(r[3]), bool(r[4]), r[5]) for r in rows], 6, times=[2])
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
    lo, hi = _time_param(span[0]), _time_param(span[1])
    rows = _fetch(
        f"SELECT id, {epoch('started_at')}, {epoch('resolved_at')}, COALESCE(deployment_id, 0) "
        f"FROM {_table(Incident)} WHERE data_source_id IN {_in(sources)} "
        "AND started_at < %s AND (resolved_at IS NULL OR resolved_at >= %s OR started_at >= %s)",
        [hi, lo, lo],
    )
    data = _floats(rows, 4, times=[1, 2])
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
    lo, hi = _time_param(span[0]), _time_param(span[1])
    table = _table(WorkItem)
    rows = _fetch(
        f"SELECT e.id, {epoch('e.done_at')}, {epoch('e.started_at')}, "
        f"(SELECT {epoch('MIN(c.started_at)')} FROM {table} c WHERE c.data_source_id = "
        "e.data_source_id AND c.id <> e.id AND (c.epic_key = e.key OR c.parent_key = e.key)) "
        f"FROM {table} e WHERE e.data_source_id IN {_in(sources)} AND LOWER(e.item_type) = 'epic' "
        "AND e.done_at >= %s AND e.done_at < %s"
        f"{_in_table_order('e.id')}",
        [lo, hi],
    )
    data = _floats(rows, 4, times=[1, 2, 3])
    return Epics(
        id=data[:, 0].astype(np.int64),
        done=data[:, 1],
        first_start=np.fmin(data[:, 2], data[:, 3]),
    )


def _manual_values(engagement_id: int, span: tuple[float, float]) -> ManualValues:
    from accord.metrics.models import ManualValue

    rows = _fetch(
        f"SELECT id, metric_key, {epoch('period_start')}, {epoch('period_end')}, value "
        f"FROM {_table(ManualValue)} WHERE engagement_id = %s AND period_start < %s "
        "AND period_end > %s ORDER BY period_start, id",
        [engagement_id, _time_param(span[1]), _time_param(span[0])],
    )
    data = _floats([(r[0], r[2], r[3], r[4]) for r in rows], 4, times=[1, 2])
    return ManualValues(
        id=data[:, 0].astype(np.int64),
        key=np.array([r[1] for r in rows], dtype=object),
        start=data[:, 1],
        end=data[:, 2],
        value=data[:, 3],
    )


def _surveys(engagement_id: int, span: tuple[float, float]) -> Surveys:
    from accord.metrics.models import SurveyResponse

    rows = _fetch(
        f"SELECT id, kind, score, {epoch('responded_at')} FROM {_table(SurveyResponse)} "
        "WHERE engagement_id = %s AND responded_at >= %s AND responded_at < %s",
        [engagement_id, _time_param(span[0]), _time_param(span[1])],
    )
    data = _floats([(r[0], r[2], r[3]) for r in rows], 3, times=[2])
    return Surveys(
        id=data[:, 0].astype(np.int64),
        kind=np.array([r[1] for r in rows], dtype=object),
        score=data[:, 1],
        responded=data[:, 2],
    )
