"""The catalog loader's work items: the items a span's periods can count, read in one query for a
long span and through index ranges for a short one, and the time each spent in each status."""

# SQL here interpolates only quoted table names from model metadata, int() ids and fixed column
# expressions; every value from outside goes in as a query parameter.
# ruff: noqa: S608
from __future__ import annotations

from typing import Any

import numpy as np
from django.db import connection

from accord.delivery.models import DataSource, SourceStatus, StatusChange, WorkItem
from accord.delivery.models.sources import work_is_active
from accord.metrics.catalog.affiliation import AffiliationFilter, organizations_at
from accord.metrics.catalog.base import DAY
from accord.metrics.catalog.records import BUG_TYPES, StatusTimes, WorkItems, filter_rows
from accord.metrics.catalog.sql import (
    epoch,
    epoch_ms,
    epoch_seconds,
    fetch,
    floats,
    in_list,
    in_table_order,
    table_name,
    time_param,
)

# Bug types compared in SQL; LOWER there folds ASCII only, which is all these need to fold.
BUG_TYPES_ORDER = sorted(BUG_TYPES)
# A span up to this long finds its done and cancelled work items through index ranges (done in
# it, done after it and started before its end, cancelled in it); a longer one walks the data
# source's items once, which costs less when most are in it. The open items are read through
# their own partial index either way.
SHORT_SPAN = 100 * DAY


def _item_columns(ids: bool) -> str:
    bug_types = ", ".join(["%s"] * len(BUG_TYPES_ORDER))
    return (
        f"{'id' if ids else '0'}, data_source_id, {epoch('created_at')}, {epoch('started_at')}, "
        f"{epoch('done_at')}, CASE WHEN status_category = 'cancelled' THEN {epoch('updated_at')} "
        f"END, {CATEGORY_SQL}, COALESCE(assignee_id, 0), "
        f"CASE WHEN LOWER(TRIM(item_type)) IN ({bug_types}) THEN 1 ELSE 0 END, active_seconds"
    )


# Cancelled items count by their last update; the partial index of cancelled items serves this.
CANCELLED_IN_SPAN = "status_category = 'cancelled' AND updated_at >= %s AND updated_at < %s"
CATEGORY_SQL = (
    "CASE status_category WHEN 'todo' THEN 0 WHEN 'in_progress' THEN 1 WHEN 'done' THEN 2 "
    "WHEN 'cancelled' THEN 3 ELSE 0 END"
)


def _item_rows(
    sources: list[int], span: tuple[float, float], *, ids: bool, detail: bool
) -> np.ndarray:
    """The rows of the work items one of the span's periods can count: done in the span,
    cancelled in it, or started before its end and not done before its start. With `ids` in
    id order; without, ids may be 0 (nothing but evidence reads them) and the done items keep
    their id order, which sums over them follow. Without `detail` (ids or assignees) the open
    items are read as one list of start times."""
    lo, hi = time_param(span[0]), time_param(span[1])
    table, where = table_name(WorkItem), f"data_source_id IN {in_list(sources)}"
    # The items done in the span, done after it but started before its end, or cancelled in it.
    if span[1] - span[0] > SHORT_SPAN:
        # One walk of the source's items. SQLite returns them in id order; PostgreSQL in its
        # own, so they are sorted here.
        sort = connection.vendor != "sqlite"
        closed = floats(
            fetch(
                f"SELECT {_item_columns(ids or sort)} FROM {table} WHERE {where} AND ("
                " (done_at >= %s AND done_at < %s) OR (done_at >= %s AND started_at < %s)"
                f" OR ({CANCELLED_IN_SPAN})){in_table_order('id')}",
                [*BUG_TYPES_ORDER, lo, hi, hi, hi, lo, hi],
            ),
            10,
            times=slice(2, 6),
        )
        if sort:
            closed = closed[np.argsort(closed[:, 0], kind="stable")]
    else:
        closed = floats(fetch(*_closed_in_short_span(table, where, lo, hi)), 10, times=slice(2, 6))
        closed = closed[np.argsort(closed[:, 0], kind="stable")]
    # The open items (not done, started before the span's end; those cancelled in it are in
    # `closed`) from the index of items not done, which holds every column read here: only what
    # work in progress needs. Created time, type and active time matter only once done.
    open_sql = (
        f"FROM {table} WHERE {where} AND done_at IS NULL AND started_at < %s "
        f"AND NOT ({CANCELLED_IN_SPAN})"
    )
    if detail:
        opened = floats(
            fetch(
                f"SELECT {'id' if ids else '0'}, data_source_id, {epoch('started_at')}, "
                f"{CATEGORY_SQL}, COALESCE(assignee_id, 0) {open_sql}",
                [hi, lo, hi],
            ),
            5,
            times=[2],
        )
    else:
        opened = _open_starts(open_sql, [hi, lo, hi])
    data = np.full((len(closed) + len(opened), 10), np.nan)
    data[: len(closed)] = closed
    data[len(closed) :, [0, 1, 3, 6, 7]] = opened
    data[len(closed) :, 8] = 0
    return data[np.argsort(data[:, 0], kind="stable")] if ids else data


def _closed_in_short_span(table: str, where: str, lo: Any, hi: Any) -> tuple[str, list[Any]]:
    """SQL for the items done in a short span, done after it but started before its end, or
    cancelled in it, with their ids (the caller sorts by them), through three index ranges.

    SQLite looks the rows up by the union of the ranges' ids, in id order, a unary plus keeping
    the start off the index (so "done after the span" walks the done index from the span's end,
    not every item started before it). PostgreSQL would rather hash-join that union with a scan
    of every item, so it reads three ranges that do not overlap, each row whole."""
    types = BUG_TYPES_ORDER
    if connection.vendor == "sqlite":
        return (
            f"SELECT {_item_columns(True)} FROM {table} WHERE id IN ("
            f"SELECT id FROM {table} WHERE {where} AND done_at >= %s AND done_at < %s UNION "
            f"SELECT id FROM {table} WHERE {where} AND done_at >= %s AND +started_at < %s "
            f"UNION SELECT id FROM {table} WHERE {where} AND {CANCELLED_IN_SPAN})",
            [*types, lo, hi, hi, hi, lo, hi],
        )
    select = f"SELECT {_item_columns(True)} FROM {table} WHERE {where}"
    return (
        f"{select} AND done_at >= %s AND done_at < %s UNION ALL "
        f"{select} AND done_at >= %s AND started_at < %s UNION ALL "
        f"{select} AND {CANCELLED_IN_SPAN} AND NOT (done_at IS NOT NULL AND done_at >= %s "
        "AND (done_at < %s OR (started_at IS NOT NULL AND started_at < %s)))",
        [*types, lo, hi, *types, hi, hi, *types, lo, hi, lo, hi, hi],
    )


def _open_starts(sql: str, params: list[Any]) -> np.ndarray:
    """The open items as rows of (0, 0, start, category, 0), read as ONE text of numbers, each
    an item's start in epoch ms times 4 plus its category code, aggregated by the database:
    200 000 items in a third of the time of a row each."""
    packed = f"{epoch_ms('started_at')} * 4 + {CATEGORY_SQL}"
    if connection.vendor == "postgresql":
        aggregate = f"string_agg(({packed})::text, ',')"
    else:
        aggregate = f"group_concat({packed})"
    ((count, text),) = fetch(f"SELECT COUNT(*), {aggregate} {sql}", params)
    values = np.fromstring(text or "", sep=",", dtype=np.int64) if count else np.empty(0, np.int64)
    if len(values) != count:
        raise RuntimeError(f"The open items' start times were misread ({len(values)} of {count}).")
    category = values % 4
    rows = np.zeros((count, 5))
    rows[:, 2] = (values - category) // 4 / 1000.0
    rows[:, 3] = category
    return rows


def load_work_items(
    sources: list[int],
    span: tuple[float, float],
    affiliation: AffiliationFilter,
    clients: np.ndarray,
    *,
    ids: bool,
) -> WorkItems:
    # Column by column (see `floats`): the rows were combined and sorted after reading.
    data = np.asfortranarray(
        _item_rows(sources, span, ids=ids, detail=ids or affiliation.raw is not None)
    )
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


def load_status_times(
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
    lo, hi = time_param(span[0]), time_param(span[1])
    rows = fetch(
        f"SELECT c.work_item_id, {epoch('c.changed_at')}, c.from_status, c.to_status "
        f"FROM {table_name(StatusChange)} c JOIN {table_name(WorkItem)} w ON w.id = c.work_item_id "
        f"WHERE w.data_source_id IN {in_list(sources)} AND w.done_at >= %s AND w.done_at < %s "
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
    at = epoch_seconds(np.array(columns[1], dtype=float))
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
