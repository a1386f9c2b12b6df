"""Background work for delivery data: syncs, webhook processing and the schedule."""

from __future__ import annotations

import logging

from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def sync_data_source_task(run_id: int) -> None:
    """Run a queued sync; a no-op if the run was already taken or finished."""
    from django.utils import timezone

    from accord.delivery.actions.sources import sync_now
    from accord.delivery.models import SyncRun, SyncRunStatus

    # Claim the run: only the worker whose conditional UPDATE moved it out of "queued" runs it.
    claimed = SyncRun.objects.filter(pk=run_id, status=SyncRunStatus.QUEUED).update(
        status=SyncRunStatus.RUNNING, heartbeat_at=timezone.now()
    )
    if claimed != 1:
        logger.info("delivery.sync.skipped", extra={"run_id": run_id})
        return
    run = SyncRun.objects.select_related("data_source").get(pk=run_id)
    sync_now(data_source=run.data_source, run=run)


@task()
def process_webhooks_task(data_source_id: int) -> None:
    """Apply a data source's pending webhook deliveries."""
    from accord.delivery.actions.sources import process_pending_webhooks
    from accord.delivery.models import DataSource

    source = DataSource.objects.filter(pk=data_source_id).first()
    if source is not None:
        process_pending_webhooks(data_source=source)


@task()
def schedule_due_syncs_task() -> None:
    """Queue a sync for every source whose interval has passed."""
    from accord.delivery.actions.sources import claim_due_syncs, request_sync
    from accord.delivery.models import DataSource

    for source in DataSource.objects.filter(pk__in=claim_due_syncs()):
        request_sync(data_source=source, requested_by=None)
