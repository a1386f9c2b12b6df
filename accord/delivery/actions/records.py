"""Idempotent bulk upserts keyed on (data source, external id), and the run around an import."""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from operator import itemgetter
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from accord.delivery.actions.bulk import (
    insert_prepared,
    raw_comparable,
    row_preparer,
    stored_datetime,
    stored_values,
    update_prepared,
)
from accord.delivery.models import DataSource, SyncRun, SyncRunStatus

logger = logging.getLogger(__name__)
CHUNK = 1000

# Set by whoever runs an import (the CLI shows a progress bar); told how many records were
# written after each chunk.
_progress: contextvars.ContextVar[Callable[[int], None] | None] = contextvars.ContextVar(
    "accord_import_progress", default=None
)


@dataclass
class ChangeWindow:
    """The earliest and latest event time an import changed, old values included, and the
    kinds of record changed, so KPIs recompute only the periods it touched and only those whose
    metrics read those records."""

    earliest: dt.datetime | None = None
    latest: dt.datetime | None = None
    # Model names ("workitem", "pullrequest", …) of the changed records.
    kinds: set[str] = field(default_factory=set)

    def touch(self, *values: Any, model: type[models.Model]) -> None:
        self.kinds.add(model._meta.model_name or "")
        for value in values:
            if isinstance(value, dt.datetime):
                self.earliest = value if self.earliest is None else min(self.earliest, value)
                self.latest = value if self.latest is None else max(self.latest, value)


_changes: contextvars.ContextVar[ChangeWindow | None] = contextvars.ContextVar(
    "accord_import_changes", default=None
)


def touch_event_times(*values: Any, model: type[models.Model]) -> None:
    """Note event times (old and new) of changed records of `model` in the running import, if
    any."""
    window = _changes.get()
    if window is not None:
        window.touch(*values, model=model)


class ImportFailed(Exception):
    """A source gave data Accord cannot take; the message is one sentence naming what and where."""


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0

    def __iadd__(self, other: Counts) -> Counts:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.skipped += other.skipped
        return self

    def as_dict(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
        }


@dataclass
class ImportSummary:
    """What an import did, per record kind, with the reason for each skipped record."""

    counts: dict[str, Counts] = field(default_factory=dict)
    skipped: list[dict[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, kind: str, counts: Counts) -> None:
        self.counts.setdefault(kind, Counts())
        self.counts[kind] += counts

    def skip(self, kind: str, record: str, reason: str) -> None:
        self.counts.setdefault(kind, Counts()).skipped += 1
        self.skipped.append({"kind": kind, "record": record, "reason": reason})

    def as_text(self) -> str:
        lines = [
            f"{kind.replace('_', ' ')}: {c.created} created, {c.updated} updated, "
            f"{c.unchanged} unchanged, {c.skipped} skipped"
            for kind, c in self.counts.items()
        ]
        lines += [f"skipped {s['kind']} {s['record']}: {s['reason']}" for s in self.skipped[:50]]
        if len(self.skipped) > 50:
            lines.append(f"… and {len(self.skipped) - 50} more skipped")
        lines += self.notes
        return "\n".join(lines)


def _same(stored: Any, new: Any) -> bool:
    """Compare a stored value with an incoming one the way the database would store it."""
    if isinstance(stored, Decimal) and new is not None and not isinstance(new, Decimal):
        return stored == Decimal(str(new))
    return bool(stored == new)


def upsert_records(
    model: type[models.Model],
    *,
    data_source: DataSource,
    rows: Sequence[dict[str, Any]],
    fields: Sequence[str],
) -> tuple[Counts, dict[str, int]]:
    """Create or update `model` rows keyed on (data_source, external_id) in bulk.

    `rows` are dicts with "external_id" and each name in `fields` (attnames: `assignee_id`).
    A row whose values all equal the stored ones is left alone, so a re-import writes nothing.
    Returns the counts and a map of external id → primary key for every row given.
    """
    get = itemgetter(*fields)
    one = len(fields) == 1
    # The last of two rows with one id wins, as a re-delivery would.
    values = {str(row["external_id"]): (get(row),) if one else get(row) for row in rows}
    result = write_records(model, data_source=data_source, values=values, fields=fields)
    return result.counts, result.ids


@dataclass
class WriteResult:
    """What write_records did: counts, ids (when asked), the keys it created or updated and
    the stored values (in the order of fields, as read) of those it updated."""

    counts: Counts = field(default_factory=Counts)
    ids: dict[str, int] = field(default_factory=dict)
    changed: list[str] = field(default_factory=list)
    previous: list[tuple[Any, ...]] = field(default_factory=list)


def write_records(
    model: type[models.Model],
    *,
    data_source: DataSource,
    values: Mapping[str, Sequence[Any]],
    fields: Sequence[str],
    ids: bool = True,
    new: bool = False,
) -> WriteResult:
    """upsert_records for values already keyed: external id → values in the order of fields.

    `ids=False` skips reading back the primary keys of created rows. `new=True` says the rows
    are most likely not stored (their parent was created by this import): each chunk is
    inserted without reading anything first, and only a chunk that meets a stored row (a
    duplicated id) is rolled back and compared row by row instead."""
    written = WriteResult()
    prepare = row_preparer(model, fields)
    raw = raw_comparable(model, fields)
    names = ["data_source_id", "external_id", *fields]
    times = [n for n, f in enumerate(fields) if _is_datetime(model, f)]
    keys = list(values)
    report = _progress.get()
    step = CHUNK * 10 if new else CHUNK  # fewer savepoints; reads stay within IN-list limits
    for start in range(0, len(keys), step):
        chunk = keys[start : start + step]
        if new and _insert_new(model, data_source, chunk, values, names, prepare):
            _touch_created(model, chunk, values, times)
            written.counts.created += len(chunk)
            written.changed += chunk
            if ids:
                for part in chunks(chunk):
                    written.ids.update(_created_ids(model, data_source, part))
        else:
            for part in chunks(chunk):
                _compare_and_write(
                    model, data_source, part, values, fields, times, prepare, raw, ids, written
                )
        if report is not None:
            report(len(chunk))
    return written


def _is_datetime(model: type[models.Model], name: str) -> bool:
    return any(
        f.attname == name and f.get_internal_type() == "DateTimeField"
        for f in model._meta.concrete_fields
    )


def _insert_new(
    model: type[models.Model],
    data_source: DataSource,
    chunk: list[str],
    values: Mapping[str, Sequence[Any]],
    names: Sequence[str],
    prepare: Callable[[Sequence[Any]], tuple[Any, ...]],
) -> bool:
    """Insert a chunk believed new in a savepoint; False (nothing written) if a row was stored."""
    pk = data_source.pk
    rows = [(pk, key, *prepare(values[key])) for key in chunk]
    try:
        with transaction.atomic():
            insert_prepared(model, names, rows)
    except IntegrityError:
        return False
    return True


def _touch_created(
    model: type[models.Model],
    chunk: list[str],
    values: Mapping[str, Sequence[Any]],
    times: Sequence[int],
) -> None:
    """The change window of created rows: the earliest and latest of their event times."""
    for n in times:
        found = [v for v in (values[key][n] for key in chunk) if v is not None]
        if found:
            touch_event_times(min(found), max(found), model=model)


def _created_ids(
    model: type[models.Model], data_source: DataSource, keys: list[str]
) -> Iterable[tuple[str, int]]:
    return model._default_manager.filter(data_source=data_source, external_id__in=keys).values_list(
        "external_id", "id"
    )


def _compare_and_write(
    model: type[models.Model],
    data_source: DataSource,
    chunk: list[str],
    values: Mapping[str, Sequence[Any]],
    fields: Sequence[str],
    times: Sequence[int],
    prepare: Callable[[Sequence[Any]], tuple[Any, ...]],
    raw: bool,
    ids: bool,
    written: WriteResult,
) -> None:
    """Read the stored rows of a chunk and create, update or leave each row."""
    # Event times of an update, old and new; updated_at is bookkeeping, not an event.
    timed = [n for n in times if fields[n] != "updated_at"]
    if raw:  # compared as the driver returns them: no conversion of a million values
        stored = stored_values(model, data_source_id=data_source.pk, keys=chunk, names=fields)
    else:
        stored = {
            r[1]: (r[0], *r[2:])
            for r in model._default_manager.filter(
                data_source=data_source, external_id__in=chunk
            ).values_list("id", "external_id", *fields)
        }
    to_create: list[str] = []
    to_update: list[tuple[Any, ...]] = []
    for key in chunk:
        row = values[key]
        old = stored.get(key)
        if old is None:
            to_create.append(key)
            continue
        written.ids[key] = old[0]
        prepared = prepare(row)
        same = prepared == old[1:] if raw else all(map(_same, old[1:], row))
        if same:
            written.counts.unchanged += 1
            continue
        # A changed time moves the record between periods; any other change alters the
        # periods its event times are in.
        before = [old[1 + n] for n in timed]
        touch_event_times(*(map(stored_datetime, before) if raw else before), model=model)
        touch_event_times(*(row[n] for n in timed), model=model)
        written.changed.append(key)
        written.previous.append(old[1:])
        to_update.append((*prepared, old[0]))
    if to_create:
        names = ["data_source_id", "external_id", *fields]
        pk = data_source.pk
        insert_prepared(model, names, [(pk, key, *prepare(values[key])) for key in to_create])
        _touch_created(model, to_create, values, times)
        written.counts.created += len(to_create)
        written.changed += to_create
        if ids:
            written.ids.update(_created_ids(model, data_source, to_create))
    if to_update:
        update_prepared(model, fields, to_update)
        written.counts.updated += len(to_update)


def run_import(
    *,
    data_source: DataSource,
    trigger: str,
    work: Callable[[ImportSummary], None],
    requested_by: Any = None,
    run: SyncRun | None = None,
    on_progress: Callable[[int], None] | None = None,
    atomic: bool = True,
) -> SyncRun:
    """Run `work` in one transaction inside a visible SyncRun: all of it lands, or none of it.

    With `atomic=False` (live syncs) `work` commits its pages itself, each in its own
    transaction, so a failure keeps the pages before it (accord.delivery.actions.runs).

    An ImportFailed becomes the run's one-sentence error; any other exception is logged with its
    traceback and recorded as an unexpected error. The run row itself is written outside the
    transaction, so a failed import still leaves its record.
    """
    if run is None:
        run = SyncRun.objects.create(
            data_source=data_source, trigger=trigger, requested_by=requested_by
        )
    run.status = SyncRunStatus.RUNNING
    run.started_at = timezone.now()
    run.save(update_fields=["status", "started_at"])
    summary = ImportSummary()
    began = time.monotonic()
    token = _progress.set(on_progress)
    window = ChangeWindow()
    changes_token = _changes.set(window)
    try:
        with transaction.atomic() if atomic else contextlib.nullcontext():
            work(summary)
    except ImportFailed as exc:
        run.status, run.error = SyncRunStatus.FAILED, str(exc)
    except Exception as exc:
        logger.exception("delivery.import.crashed", extra={"data_source_id": data_source.pk})
        run.status = SyncRunStatus.FAILED
        kept = "nothing was written" if atomic else "the pages before it are kept"
        run.error = f"Unexpected error ({type(exc).__name__}); {kept}. {exc}"[:2000]
    else:
        run.status = SyncRunStatus.SUCCEEDED
        run.counts = {kind: c.as_dict() for kind, c in summary.counts.items()}
        run.skipped = summary.skipped[:1000]
        run.summary = summary.as_text()
    finally:
        _progress.reset(token)
        _changes.reset(changes_token)
    # KPIs recompute from the earliest event time the import changed, after a success or after
    # a failed sync whose earlier pages were kept. Open-ended: work still in progress after the
    # change counts in later periods too.
    if window.earliest is not None and (run.status == SyncRunStatus.SUCCEEDED or not atomic):
        from accord.metrics.actions.recompute import enqueue_recompute
        from accord.metrics.catalog.records import needs_after_change

        needs = needs_after_change(window.kinds)
        if needs is None or needs:
            enqueue_recompute(data_source.engagement_id, since=window.earliest, needs=needs)
    run.finished_at = timezone.now()
    run.save()
    logger.info(
        "delivery.import.finished",
        extra={
            "data_source_id": data_source.pk,
            "run_id": run.pk,
            "status": run.status,
            "seconds": round(time.monotonic() - began, 3),
        },
    )
    return run


def chunks(values: Iterable[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    """Split an iterable into lists of at most `size` items."""
    batch: list[Any] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
