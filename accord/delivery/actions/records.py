"""Idempotent bulk upserts keyed on (data source, external id), and the run around an import."""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from accord.delivery.actions.bulk import insert_rows, update_rows
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
    """The earliest and latest event time an import changed, old values included, so KPIs
    recompute only the periods it touched."""

    earliest: dt.datetime | None = None
    latest: dt.datetime | None = None

    def touch(self, *values: Any) -> None:
        for value in values:
            if isinstance(value, dt.datetime):
                self.earliest = value if self.earliest is None else min(self.earliest, value)
                self.latest = value if self.latest is None else max(self.latest, value)


_changes: contextvars.ContextVar[ChangeWindow | None] = contextvars.ContextVar(
    "accord_import_changes", default=None
)


def touch_event_times(*values: Any) -> None:
    """Note event times (old and new) of changed records in the running import, if any."""
    window = _changes.get()
    if window is not None:
        window.touch(*values)


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
    counts = Counts()
    ids: dict[str, int] = {}
    by_id: dict[str, dict[str, Any]] = {}
    for row in rows:  # the last of two rows with one id wins, as a re-delivery would
        by_id[str(row["external_id"])] = row
    keys = list(by_id)
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        stored = {
            r["external_id"]: r
            for r in model._default_manager.filter(
                data_source=data_source, external_id__in=chunk
            ).values("id", "external_id", *fields)
        }
        to_create: list[dict[str, Any]] = []
        to_update: list[tuple[Any, ...]] = []
        for key in chunk:
            row = by_id[key]
            old = stored.get(key)
            if old is None:
                touch_event_times(*(row[f] for f in fields))
                to_create.append(
                    {"data_source_id": data_source.pk, "external_id": key}
                    | {f: row[f] for f in fields}
                )
                continue
            ids[key] = old["id"]
            if all(_same(old[f], row[f]) for f in fields):
                counts.unchanged += 1
                continue
            # A changed time moves the record between periods; any other change alters the
            # periods its event times are in. updated_at is bookkeeping, not an event.
            timed = [f for f in fields if f != "updated_at"]
            touch_event_times(*(old[f] for f in timed), *(row[f] for f in timed))
            to_update.append((old["id"], *(row[f] for f in fields)))
        if to_create:
            insert_rows(model, to_create)
            counts.created += len(to_create)
            created_keys = [r["external_id"] for r in to_create]
            ids.update(
                model._default_manager.filter(
                    data_source=data_source, external_id__in=created_keys
                ).values_list("external_id", "id")
            )
        if to_update:
            update_rows(model, fields, to_update)
            counts.updated += len(to_update)
        report = _progress.get()
        if report is not None:
            report(len(chunk))
    return counts, ids


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

        enqueue_recompute(data_source.engagement_id, since=window.earliest)
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
