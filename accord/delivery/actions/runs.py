"""Sync runs that survive their worker: a lease per data source, a heartbeat per page, and the
page-by-page progress a resumed run starts from.

A sync holds its source through `DataSource.sync_lease_run_id` / `sync_lease_until`, taken and
renewed by conditional UPDATEs of the source's row: on PostgreSQL the second of two concurrent
claims waits for the first and then finds the lease taken, and SQLite serializes writers, so
one worker at most syncs a source at a time, whichever machine it runs on. Each page a sync
commits renews the lease in the same transaction as the page's records and cursor. A worker
killed half-way stops renewing; once the lease has expired the next claim takes it over, marks
the dead run interrupted, and the connector resumes from the cursor that run committed last.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.utils import timezone

from accord.delivery.actions.records import ImportFailed, ImportSummary
from accord.delivery.models import DataSource, SyncRun, SyncRunStatus

# Longer than any one page may take (a page is a request or two and one transaction); a run
# silent for longer than this is taken to be dead.
LEASE = dt.timedelta(minutes=10)


class SyncLeaseLost(ImportFailed):
    """Another worker took the source over because this run went quiet for too long."""


def interrupt_stale_runs(*, data_source: DataSource, now: dt.datetime | None = None) -> int:
    """Mark the source's syncs whose worker went silent for longer than the lease interrupted."""
    now = now or timezone.now()
    cutoff = now - LEASE
    silent = Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff)
    return (
        SyncRun.objects.filter(
            data_source=data_source, trigger=SyncRun.Trigger.SYNC, status=SyncRunStatus.RUNNING
        )
        .filter(silent)
        .update(
            status=SyncRunStatus.INTERRUPTED,
            finished_at=now,
            error=(
                "The worker running this sync stopped answering; the next sync goes on from the "
                "last page it saved."
            ),
        )
    )


def claim_sync(*, data_source: DataSource, run: SyncRun) -> bool:
    """Take the source for `run` unless a live run holds it; True if `run` may go ahead."""
    now = timezone.now()
    free = Q(sync_lease_run_id__isnull=True) | Q(sync_lease_until__lt=now)
    claimed = (
        DataSource.objects.filter(pk=data_source.pk)
        .filter(free | Q(sync_lease_run_id=run.pk))
        .update(sync_lease_run_id=run.pk, sync_lease_until=now + LEASE)
    )
    if claimed != 1:
        return False
    # Whatever ran before without releasing the source is dead now: say so on its row.
    (
        SyncRun.objects.filter(
            data_source=data_source, trigger=SyncRun.Trigger.SYNC, status=SyncRunStatus.RUNNING
        )
        .exclude(pk=run.pk)
        .update(
            status=SyncRunStatus.INTERRUPTED,
            finished_at=now,
            error=(
                "The worker running this sync stopped answering; a later sync went on from the "
                "last page it saved."
            ),
        )
    )
    SyncRun.objects.filter(pk=run.pk).update(heartbeat_at=now)
    return True


def release_sync(*, data_source: DataSource, run: SyncRun) -> None:
    """Give the source back, if `run` still holds it."""
    DataSource.objects.filter(pk=data_source.pk, sync_lease_run_id=run.pk).update(
        sync_lease_run_id=None, sync_lease_until=None
    )


def save_progress(
    *, run: SyncRun | None, cursor: dict[str, Any], summary: ImportSummary | None = None
) -> None:
    """Record a committed page: the cursor to resume from, the counts so far, a heartbeat.

    Call it inside the page's transaction, so the records, the cursor and the counts land
    together or not at all. Raises SyncLeaseLost when another worker has taken the source over.
    """
    if run is None:
        return
    now = timezone.now()
    renewed = DataSource.objects.filter(pk=run.data_source_id, sync_lease_run_id=run.pk).update(
        sync_lease_until=now + LEASE
    )
    held = renewed == 1 or not _leased(run.data_source_id)
    if not held:
        raise SyncLeaseLost(
            "Another worker took this sync over after it went quiet for "
            f"{int(LEASE.total_seconds() // 60)} minutes; it stopped here."
        )
    fields: dict[str, Any] = {"cursor": cursor, "heartbeat_at": now}
    if summary is not None:
        fields["counts"] = {kind: c.as_dict() for kind, c in summary.counts.items()}
    SyncRun.objects.filter(pk=run.pk).update(**fields)
    # The run row is saved whole when the run ends; keep the object in step with the row.
    for name, value in fields.items():
        setattr(run, name, value)


def _leased(source_id: int) -> bool:
    # A run started without claiming (a direct call in a test or a script) holds no lease and
    # keeps none; only a run that lost a lease it held is stopped.
    return DataSource.objects.filter(pk=source_id, sync_lease_run_id__isnull=False).exists()
