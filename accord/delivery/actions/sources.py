"""Writes about data sources, and the entry points that run imports, syncs and webhooks."""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accord.accounts.models import User
from accord.audit.actions import create_audited, delete_audited, update_audited
from accord.delivery.actions.facts import derive_work_item_facts
from accord.delivery.actions.records import ImportFailed, ImportSummary, run_import
from accord.delivery.actions.runs import claim_sync, interrupt_stale_runs, release_sync
from accord.delivery.connectors import KINDS, connector_module, supports
from accord.delivery.models import DataSource, SyncRun, SyncRunStatus, WebhookDelivery, WorkItem
from accord.engagements.models import Engagement


@transaction.atomic
def create_data_source(
    *, actor: User | None, engagement: Engagement, kind: str, name: str, **fields: Any
) -> DataSource:
    """Connect an engagement to a source; the webhook secret is generated."""
    if kind not in KINDS:
        raise ValidationError(
            {"kind": f"“{kind}” is not a source kind; use one of {', '.join(KINDS)}."}
        )
    if DataSource.objects.filter(engagement=engagement, name=name).exists():
        raise ValidationError({"name": f"{engagement} already has a data source named “{name}”."})
    return create_audited(
        actor=actor, instance=DataSource(engagement=engagement, kind=kind, name=name, **fields)
    )


@transaction.atomic
def update_data_source(*, actor: User, data_source: DataSource, **fields: Any) -> DataSource:
    """Change a data source's scope, credentials, mapping or rules; new active statuses
    re-derive the active time of every item of the source."""
    before = sorted(data_source.active_statuses or [])
    source = update_audited(actor=actor, instance=data_source, fields=fields)
    if "active_statuses" in fields and sorted(source.active_statuses or []) != before:
        items = WorkItem.objects.filter(data_source=source).order_by("id")
        derive_work_item_facts(list(items.values_list("id", flat=True)))
    return source


@transaction.atomic
def delete_data_source(*, actor: User, data_source: DataSource) -> None:
    """Remove a data source and every record it brought in."""
    delete_audited(actor=actor, instance=data_source)


def find_or_create_source(
    *, actor: User | None, engagement: Engagement, kind: str, name: str | None
) -> DataSource:
    """The engagement's source called `name` (or its only source of `kind`), created if missing."""
    sources = DataSource.objects.filter(engagement=engagement, kind=kind)
    if name:
        found = sources.filter(name=name).first()
        if found is None and DataSource.objects.filter(engagement=engagement, name=name).exists():
            raise ValidationError(
                f"The data source “{name}” of {engagement} is not a {kind} source."
            )
    else:
        if sources.count() > 1:
            names = ", ".join(sources.values_list("name", flat=True))
            raise ValidationError(
                f"{engagement} has several {kind} sources ({names}); name one with --source."
            )
        found = sources.first()
    if found is not None:
        return found
    default = (
        name
        or {"jira": "Jira", "trello": "Trello", "github": "GitHub", "git": "git", "csv": "CSV"}[
            kind
        ]
    )
    return create_data_source(actor=actor, engagement=engagement, kind=kind, name=default)


def import_path(
    *,
    data_source: DataSource,
    path: Path,
    options: Mapping[str, Any] | None = None,
    requested_by: User | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> SyncRun:
    """Import a file or folder into a data source, atomically, as one visible run."""
    importer = connector_module(data_source.kind, "importer")

    def work(summary: ImportSummary) -> None:
        if not path.exists():
            raise ImportFailed(f"{path} does not exist.")
        importer.import_file(
            data_source=data_source, path=path, summary=summary, options=dict(options or {})
        )

    return run_import(
        data_source=data_source,
        trigger=SyncRun.Trigger.IMPORT,
        work=work,
        requested_by=requested_by,
        on_progress=on_progress,
    )


def sync_now(
    *,
    data_source: DataSource,
    run: SyncRun | None = None,
    requested_by: User | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> SyncRun:
    """Pull what changed from the live service, as one visible run that commits page by page.

    The run first takes the source's lease (accord.delivery.actions.runs); while another live
    run holds it, this one is recorded as failed and nothing is fetched. Each page the connector
    reads commits in its own transaction with the run's cursor, so a run that fails or is killed
    keeps what it wrote and the next one goes on from there; the watermark moves only when a run
    completes.
    """
    if not supports(data_source.kind, "sync"):
        raise ValidationError(
            f"{data_source.get_kind_display()} sources are imported from files, not synced."
        )
    syncer = connector_module(data_source.kind, "sync")
    run = run or SyncRun.objects.create(
        data_source=data_source, trigger=SyncRun.Trigger.SYNC, requested_by=requested_by
    )
    if not claim_sync(data_source=data_source, run=run):
        now = timezone.now()
        run.status, run.started_at, run.finished_at = SyncRunStatus.FAILED, now, now
        run.error = f"Another sync of {data_source} is running; this one did not start."
        run.save(update_fields=["status", "started_at", "finished_at", "error"])
        return run

    def work(summary: ImportSummary) -> None:
        syncer.sync(data_source=data_source, summary=summary, run=run)

    try:
        finished = run_import(
            data_source=data_source,
            trigger=SyncRun.Trigger.SYNC,
            work=work,
            run=run,
            atomic=False,
            on_progress=on_progress,
        )
    finally:
        release_sync(data_source=data_source, run=run)
    if finished.status == SyncRunStatus.SUCCEEDED:
        DataSource.objects.filter(pk=data_source.pk).update(last_synced_at=finished.finished_at)
    return finished


def request_sync(*, data_source: DataSource, requested_by: User | None) -> SyncRun:
    """Queue a sync unless one is already queued or running for the source."""
    from accord.delivery.tasks import sync_data_source_task

    interrupt_stale_runs(data_source=data_source)
    with transaction.atomic():
        busy = data_source.runs.filter(
            trigger=SyncRun.Trigger.SYNC, status__in=[SyncRunStatus.QUEUED, SyncRunStatus.RUNNING]
        ).first()
        if busy is not None:
            return busy
        run = SyncRun.objects.create(
            data_source=data_source, trigger=SyncRun.Trigger.SYNC, requested_by=requested_by
        )
        transaction.on_commit(lambda: sync_data_source_task.enqueue(run.pk))
    return run


def claim_due_syncs(now: dt.datetime | None = None) -> list[int]:
    """Claim the sources whose sync is due; each is claimed by exactly one scheduler.

    The claim is a conditional UPDATE that moves next_sync_at forward; only the worker whose
    UPDATE changed the row owns the sync, so schedulers on several machines never double up.
    """
    now = now or timezone.now()
    due = (
        DataSource.objects.filter(sync_enabled=True)
        .filter(Q(next_sync_at__isnull=True) | Q(next_sync_at__lte=now))
        .values_list("id", "next_sync_at", "sync_interval_minutes")
    )
    claimed = []
    for source_id, seen, minutes in due:
        moved = (
            DataSource.objects.filter(pk=source_id, next_sync_at=seen)
            if seen
            else DataSource.objects.filter(pk=source_id, next_sync_at__isnull=True)
        )
        if moved.update(next_sync_at=now + dt.timedelta(minutes=max(minutes, 1))) == 1:
            claimed.append(source_id)
    return claimed


class WebhookRefused(Exception):
    """A webhook delivery that is not accepted; `status` is the HTTP answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def receive_webhook(
    *, data_source: DataSource, headers: Mapping[str, str], body: bytes, url: str
) -> tuple[WebhookDelivery, bool]:
    """Verify and store one delivery, and queue its processing; (delivery, is_new).

    The signature is checked on the raw bytes before anything is parsed or stored; a replayed
    delivery (same id) is acknowledged and not processed again.
    """
    import json

    from accord.delivery.tasks import process_webhooks_task

    if not supports(data_source.kind, "webhooks"):
        raise WebhookRefused(404, "This data source does not take webhooks.")
    hooks = connector_module(data_source.kind, "webhooks")
    kwargs = {"url": url} if "url" in inspect.signature(hooks.verify).parameters else {}
    if not hooks.verify(data_source, headers, body, **kwargs):
        raise WebhookRefused(401, "Missing or wrong signature.")
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise WebhookRefused(400, "The body is not JSON.") from None
    delivery_id = str(hooks.delivery_id(headers, payload))[:100]
    event = str(hooks.event_name(headers, payload))[:100]
    try:
        with transaction.atomic():
            delivery = WebhookDelivery.objects.create(
                data_source=data_source, delivery_id=delivery_id, event=event, payload=payload
            )
    except IntegrityError:
        return WebhookDelivery.objects.get(data_source=data_source, delivery_id=delivery_id), False
    transaction.on_commit(lambda: process_webhooks_task.enqueue(data_source.pk))
    return delivery, True


def process_pending_webhooks(*, data_source: DataSource, limit: int = 500) -> SyncRun | None:
    """Apply stored deliveries in the order received, as one run; None if nothing was pending.

    Rows are claimed with SELECT … FOR UPDATE SKIP LOCKED where the database has it
    (PostgreSQL), so several workers drain one source's queue without applying a delivery twice;
    SQLite serializes writers anyway.
    """
    hooks = connector_module(data_source.kind, "webhooks")
    if not WebhookDelivery.objects.filter(
        data_source=data_source, processed_at__isnull=True
    ).exists():
        return None

    def work(summary: ImportSummary) -> None:
        pending = WebhookDelivery.objects.filter(
            data_source=data_source, processed_at__isnull=True
        ).order_by("received_at", "id")
        from django.db import connection

        if connection.features.has_select_for_update_skip_locked:
            pending = pending.select_for_update(skip_locked=True)
        now = timezone.now()
        for delivery in pending[:limit]:
            hooks.process(
                data_source=data_source,
                event=delivery.event,
                payload=delivery.payload,
                summary=summary,
            )
            delivery.processed_at = now
            delivery.save(update_fields=["processed_at"])

    return run_import(data_source=data_source, trigger=SyncRun.Trigger.WEBHOOK, work=work)
