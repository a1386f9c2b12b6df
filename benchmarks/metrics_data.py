"""A generated engagement for the KPI benchmark (bench_metrics.py), written fast enough for a
million work items and ten million status changes.

Every value is drawn with numpy a chunk of items at a time, the facts (started, done, cycle,
lead and active time) derived with array operations, and the rows written with explicit ids in
one transaction: SQLite through one prepared statement (executemany), PostgreSQL through COPY.
Times are whole seconds, so they are written as the text Django itself writes (SQLite compares
timestamps as text)."""

# SQL here interpolates only quoted table and column names from model metadata.
# ruff: noqa: S608
from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np
from django.db import connection, models, transaction

# (status id, name, category) of the generated workflow; a path through it per item.
FLOW = [("1", "To Do", "todo"), ("3", "In Progress", "in_progress"),
        ("4", "In Review", "in_progress"), ("5", "Done", "done")]  # fmt: skip
CHANGES = 10  # status changes per item (fewer when some would fall after `now`)
CHUNK = 100_000  # items generated and written at a time
HOUR = 3600.0


def _texts(values: np.ndarray, present: np.ndarray | None = None) -> list[Any]:
    """Epoch seconds as the timestamp text the backend stores (None where not `present`)."""
    stamps = np.datetime_as_string(values.astype("datetime64[s]"), unit="s")
    codes = stamps.view(np.uint32).reshape(len(stamps), -1).copy()
    codes[:, 10] = ord(" ")  # ISO's "T" becomes the space Django writes
    text = codes.view(f"<U{codes.shape[1]}").ravel()
    if connection.vendor == "postgresql":
        text = np.char.add(text, "+00")
    out = text.astype(object)
    if present is not None:
        out[~present] = None
    return list(out.tolist())


def _present(values: np.ndarray, present: np.ndarray) -> list[Any]:
    """Numbers, None where not `present` (a NaN would be stored as NaN on PostgreSQL)."""
    out = values.astype(object)
    out[~present] = None
    return list(out.tolist())


def _durations(seconds: np.ndarray, present: np.ndarray) -> list[Any]:
    """Durations as the backend stores them: microseconds (SQLite) or interval text."""
    if connection.vendor == "postgresql":
        out = np.char.add(seconds.astype(np.int64).astype(str), " seconds").astype(object)
    else:
        out = (seconds.astype(np.int64) * 1_000_000).astype(object)
    out[~present] = None
    return list(out.tolist())


def _constant(field: models.Field) -> Any:
    """The value a column no generated row sets takes: its default, as stored."""
    default = field.get_default()
    if isinstance(default, list | dict):
        return "[]" if isinstance(default, list) else "{}"
    return default


class Writer:
    """Writes rows of one model, column lists in, with explicit primary keys."""

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.table = connection.ops.quote_name(model._meta.db_table)

    def next_id(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT MAX(id) FROM {self.table}")
            return int(cursor.fetchone()[0] or 0) + 1

    def write(self, count: int, columns: dict[str, Sequence[Any]]) -> None:
        values: list[Sequence[Any]] = [
            columns[f.attname] if f.attname in columns else [_constant(f)] * count
            for f in self.fields
        ]
        names = ", ".join(connection.ops.quote_name(str(f.column)) for f in self.fields)
        rows: Iterable[tuple[Any, ...]] = zip(*values, strict=True)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {self.table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                return
            marks = ", ".join(["%s"] * len(self.fields))
            cursor.executemany(f"INSERT INTO {self.table} ({names}) VALUES ({marks})", list(rows))

    def follow_ids(self) -> None:
        """PostgreSQL: move the id sequence past the explicit ids (SQLite follows by itself)."""
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{self.model._meta.db_table}', 'id'), "
                f"(SELECT MAX(id) FROM {self.table}))"
            )


def _work_item_chunk(
    rng: np.random.Generator, first: int, count: int, *, year_ago: float, now: float
) -> dict[str, np.ndarray]:
    """Times, statuses and facts of items first … first + count - 1, as arrays."""
    from accord.delivery.models.sources import work_is_active

    span = 365 * 86400.0
    n = np.arange(first, first + count)
    created = np.floor(year_ago + rng.random(count) * span * 0.95)
    times = created[:, None] + np.floor(np.sort(rng.random((count, CHANGES)), axis=1) * 400 * HOUR)
    happened = times < now  # sorted, so a prefix of each row
    made = happened.sum(axis=1)
    # The path: To Do, then In Progress / In Review alternating, then Done (every 5th item
    # stays In Review); path[k] is the status after the k-th change.
    path = np.tile(np.r_[0, [1 + (i % 2) for i in range(CHANGES - 1)], 3], (count, 1))
    path[n % 5 == 0, CHANGES] = 2
    rows = np.arange(count)
    last = path[rows, made]
    previous = np.maximum(made - 1, 0)
    started = made > 0
    done = (made == CHANGES) & (last == 3)
    active = np.array([work_is_active(name, cat, None) for _, name, cat in FLOW])
    spent = np.diff(times, axis=1) * active[path[:, 1:CHANGES]]  # time in path[1..9]
    return {
        "n": n, "created": created, "times": times, "happened": happened, "path": path,
        "last": last, "started": started, "done": done,
        "started_at": times[:, 0], "done_at": times[rows, previous],
        "updated": np.where(started, times[rows, previous], created),
        "active": spent.sum(axis=1),
    }  # fmt: skip


def _write_work_items(
    items: Writer, changes: Writer, source: int, chunk: dict[str, np.ndarray], first_id: int
) -> None:
    n, count = chunk["n"], len(chunk["n"])
    ids = first_id + n
    last, started, done = chunk["last"], chunk["started"], chunk["done"]
    names = np.array([s[1] for s in FLOW], dtype=object)
    status_ids = np.array([s[0] for s in FLOW], dtype=object)
    categories = np.array([s[2] for s in FLOW], dtype=object)
    keys = n.astype(str)
    cycle = chunk["done_at"] - chunk["started_at"]
    lead = chunk["done_at"] - chunk["created"]
    items.write(
        count,
        {
            "id": ids.tolist(), "data_source_id": [source] * count,
            "external_id": keys.tolist(), "key": np.char.add("B-", keys).tolist(),
            "title": np.char.add("Item ", keys).tolist(),
            "item_type": np.where(n % 7 == 0, "Bug", "Story").tolist(),
            "status": names[last].tolist(), "status_id": status_ids[last].tolist(),
            "status_category": categories[last].tolist(),
            "created_at": _texts(chunk["created"]), "updated_at": _texts(chunk["updated"]),
            "started_at": _texts(chunk["started_at"], started),
            "done_at": _texts(chunk["done_at"], done),
            "cycle_time": _durations(cycle, done), "lead_time": _durations(lead, done),
            "active_seconds": _present(chunk["active"], done),
        },
    )  # fmt: skip
    happened = chunk["happened"]
    row, step = np.nonzero(happened)  # row-major: each item's changes in order
    before, after = chunk["path"][row, step], chunk["path"][row, step + 1]
    item_ids = ids[row]
    total = len(row)
    changes.write(
        total,
        {
            "id": (changes.next_id() + np.arange(total)).tolist(),
            "data_source_id": [source] * total,
            "external_id": np.char.add(np.char.add(item_ids.astype(str), "/"),
                                       step.astype(str)).tolist(),
            "work_item_id": item_ids.tolist(),
            "from_status": names[before].tolist(), "from_status_id": status_ids[before].tolist(),
            "from_category": categories[before].tolist(),
            "to_status": names[after].tolist(), "to_status_id": status_ids[after].tolist(),
            "to_category": categories[after].tolist(),
            "changed_at": _texts(chunk["times"][happened]),
        },
    )  # fmt: skip


def _write_pull_requests(
    rng: np.random.Generator, source: int, count: int, year_ago: float
) -> None:
    from accord.delivery.models import PullRequest

    prs = Writer(PullRequest)
    created = np.floor(year_ago + rng.random(count) * 365 * 86400 * 0.97)
    n = np.arange(count)
    prs.write(
        count,
        {
            "id": (prs.next_id() + n).tolist(), "data_source_id": [source] * count,
            "external_id": np.char.add("pr", n.astype(str)).tolist(), "repo": ["bench/app"] * count,
            "number": (n + 1).tolist(), "title": np.char.add("Change ", n.astype(str)).tolist(),
            "author_login": np.char.add("dev", (n % 40).astype(str)).tolist(),
            "state": ["merged"] * count, "created_at": _texts(created),
            "first_review_at": _texts(np.floor(created + rng.random(count) * 20 * HOUR)),
            "merged_at": _texts(np.floor(created + (1 + rng.random(count) * 100) * HOUR)),
            "additions": rng.integers(0, 500, count).tolist(),
            "deletions": rng.integers(0, 100, count).tolist(),
            "merge_commit_sha": [f"{i:040x}" for i in range(count)],
        },
    )  # fmt: skip
    prs.follow_ids()


def _write_deployments(rng: np.random.Generator, source: int, count: int, year_ago: float) -> None:
    from accord.delivery.models import Deployment

    deployments = Writer(Deployment)
    finished = np.floor(year_ago + rng.random(count) * 365 * 86400)
    n = np.arange(count)
    deployments.write(
        count,
        {
            "id": (deployments.next_id() + n).tolist(), "data_source_id": [source] * count,
            "external_id": np.char.add("d", n.astype(str)).tolist(),
            "environment": ["production"] * count,
            "status": np.where(n % 10 == 0, "failure", "success").tolist(),
            "is_production": [True] * count, "started_at": _texts(finished - 1200),
            "finished_at": _texts(finished),
            "commit_sha": [f"{i * 7:040x}" for i in range(count)],
        },
    )  # fmt: skip
    deployments.follow_ids()


@contextlib.contextmanager
def _big_page_cache() -> Iterator[None]:
    """SQLite: a 1 GiB page cache while writing, so the time indexes (inserted in random order)
    stay in memory instead of being read back from disk page by page; the default after."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        default = cursor.fetchone()[0]
        cursor.execute("PRAGMA cache_size = -1048576")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(default)}")


@contextlib.contextmanager
def _indexes_built_after(*tables: type[models.Model]) -> Iterator[None]:
    """The tables' plain indexes dropped while writing and built again after: building an index
    from all its rows at once sorts them, where inserting row by row walks the index per row."""
    with connection.schema_editor() as editor:
        for model in tables:
            for index in model._meta.indexes:
                editor.remove_index(model, index)
    try:
        yield
    finally:
        with connection.schema_editor() as editor:
            for model in tables:
                for index in model._meta.indexes:
                    editor.add_index(model, index)


def generate_delivery(source: int, items: int, *, now: dt.datetime, seed: int = 11) -> None:
    """`items` work items with CHANGES status changes each (those before `now`), items / 5
    pull requests and items / 50 production deployments over the year before `now`."""
    from accord.delivery.models import StatusChange, WorkItem

    rng = np.random.default_rng(seed)
    year_ago = (now - dt.timedelta(days=365)).timestamp()
    work_items, changes = Writer(WorkItem), Writer(StatusChange)
    with _big_page_cache(), _indexes_built_after(WorkItem, StatusChange), transaction.atomic():
        first_id = work_items.next_id()
        for first in range(0, items, CHUNK):
            chunk = _work_item_chunk(
                rng, first, min(CHUNK, items - first), year_ago=year_ago, now=now.timestamp()
            )
            _write_work_items(work_items, changes, source, chunk, first_id)
        work_items.follow_ids()
        changes.follow_ids()
        _write_pull_requests(rng, source, items // 5, year_ago)
        _write_deployments(rng, source, items // 50, year_ago)
    _vacuum(WorkItem, StatusChange)


def _vacuum(*tables: type[models.Model]) -> None:
    """PostgreSQL: VACUUM ANALYZE the tables written, as autovacuum does some time after a bulk
    load, so the timings that follow neither run beside it nor plan without statistics (and
    index-only scans can skip the rows). Outside a transaction, which VACUUM needs."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    from accord.delivery.models import Deployment, PullRequest

    with connection.cursor() as cursor:
        for model in (*tables, PullRequest, Deployment):
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
