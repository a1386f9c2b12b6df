"""Data sources (one connection to Jira, Trello, GitHub, git or CSV), their statuses and runs."""

from __future__ import annotations

import re
import secrets

from django.db import models
from django.utils import timezone

from accord.lib.crypto import EncryptedTextField


class SourceKind(models.TextChoices):
    JIRA = "jira", "Jira"
    TRELLO = "trello", "Trello"
    GITHUB = "github", "GitHub"
    GIT = "git", "git repository"
    CSV = "csv", "CSV file"


class Category(models.TextChoices):
    """Every source status maps to one of these (DESIGN.md, canonical metric definitions)."""

    TODO = "todo", "To do"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


# With no statuses marked active on a data source, work is active in every in-progress status
# except those whose name says they wait.
WAITING_NAMES = re.compile(r"block|wait|hold|pause|queue|parked|stuck|pending", re.IGNORECASE)


def work_is_active(name: str, category: str, active_statuses: list[str] | None) -> bool:
    """Whether work is done (not waited for) in a status: the data source's active statuses
    if it marks any (by name, case-insensitive), else in-progress statuses whose name does not
    say they wait ("Blocked", "Waiting for review", "On hold")."""
    if active_statuses:
        return name.casefold() in {str(n).casefold() for n in active_statuses}
    return category == Category.IN_PROGRESS and not WAITING_NAMES.search(name or "")


def _new_webhook_secret() -> str:
    return secrets.token_urlsafe(32)


class DataSource(models.Model):
    """One connection of an engagement to a tool both sides use.

    `scope` holds what to read, by kind: jira {"base_url", "project_keys", "board_id", "jql"};
    trello {"board_id"}; github {"repos": ["owner/name", ...]}; git {"path", "refs"}.
    `status_mapping` maps a status name (as the source spells it) to a Category value and wins
    over every other way of resolving a status. `incident_rule` and `deployment_rule` say which
    records count as incidents and production deployments.
    """

    engagement = models.ForeignKey(
        "engagements.Engagement", on_delete=models.CASCADE, related_name="data_sources"
    )
    kind = models.CharField(max_length=10, choices=SourceKind.choices)
    name = models.CharField(max_length=100)
    scope = models.JSONField(default=dict, blank=True)
    # Credentials are encrypted at rest and never rendered back in full.
    username = models.CharField(max_length=200, blank=True)
    token = EncryptedTextField(blank=True)
    webhook_secret = EncryptedTextField(default=_new_webhook_secret)
    status_mapping = models.JSONField(default=dict, blank=True)
    active_statuses = models.JSONField(
        default=list,
        blank=True,
        help_text="Statuses where work is done, not waited for (none marked: every in-progress "
        "status except those named like Blocked, Waiting or On hold).",
    )
    incident_rule = models.JSONField(default=dict, blank=True)
    deployment_rule = models.JSONField(default=dict, blank=True)
    sync_enabled = models.BooleanField(default=False)
    sync_interval_minutes = models.PositiveIntegerField(default=15)  # issue 4: every 15 minutes
    watermark = models.JSONField(default=dict, blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    # The scheduler claims a due sync by moving this forward with a conditional UPDATE, so two
    # workers on two machines never enqueue the same sync.
    next_sync_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # The sync run holding this source, and until when: taken and renewed with conditional
    # UPDATEs of this row, so only one worker anywhere syncs a source at a time, and a lease a
    # killed worker left expires instead of blocking later syncs (accord.delivery.actions.runs).
    sync_lease_run_id = models.BigIntegerField(null=True, blank=True)
    sync_lease_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["engagement", "name"]
        constraints = [
            models.UniqueConstraint(fields=["engagement", "name"], name="datasource_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    def audit_scope(self) -> tuple[models.Model, bool]:
        return self.engagement, False

    @property
    def token_hint(self) -> str:
        """The last four characters of the token, for recognising it without showing it."""
        return f"…{self.token[-4:]}" if self.token else ""


class SourceStatus(models.Model):
    """A status as one source knows it, with the category it resolved to and why."""

    class Resolution(models.TextChoices):
        MAPPING = "mapping", "Data source mapping"
        STATUS_LIST = "status_list", "Imported status list"
        EMBEDDED = "embedded", "Category embedded in issues"
        LIST_NAME = "list_name", "Trello list name"
        UNRESOLVED = "unresolved", "Unmapped (counted as to do)"

    data_source = models.ForeignKey(DataSource, on_delete=models.CASCADE, related_name="statuses")
    external_id = models.CharField(max_length=100)
    name = models.CharField(max_length=200)
    category = models.CharField(max_length=12, choices=Category.choices, default=Category.TODO)
    resolution = models.CharField(
        max_length=12, choices=Resolution.choices, default=Resolution.UNRESOLVED
    )
    # What each source of truth said, kept so the resolution can be redone when one changes.
    listed_category = models.CharField(max_length=12, choices=Category.choices, blank=True)
    embedded_category = models.CharField(max_length=12, choices=Category.choices, blank=True)
    embedded_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["data_source", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["data_source", "external_id"], name="sourcestatus_unique_external"
            )
        ]

    def __str__(self) -> str:
        return self.name


class SyncRunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    # The worker running it stopped without a word (killed, machine lost): its lease expired.
    INTERRUPTED = "interrupted", "Interrupted"


class SyncRun(models.Model):
    """One import, sync or webhook batch: visible, with counts, errors and duration."""

    class Trigger(models.TextChoices):
        IMPORT = "import", "File import"
        SYNC = "sync", "Scheduled or manual sync"
        WEBHOOK = "webhook", "Webhook"

    data_source = models.ForeignKey(DataSource, on_delete=models.CASCADE, related_name="runs")
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    status = models.CharField(
        max_length=12, choices=SyncRunStatus.choices, default=SyncRunStatus.QUEUED
    )
    requested_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # {"work_items": {"created": n, "updated": n, "unchanged": n, "skipped": n}, ...}
    counts = models.JSONField(default=dict, blank=True)
    skipped = models.JSONField(default=list, blank=True, help_text="[{record, reason}]")
    error = models.TextField(blank=True)
    summary = models.TextField(blank=True)
    # Where a paged sync got to, so a run killed half-way resumes instead of starting over.
    cursor = models.JSONField(default=dict, blank=True)
    # A running sync touches this with every page it commits; one quiet for longer than the
    # lease (accord.delivery.actions.runs) was left by a dead worker and is marked interrupted.
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["data_source", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_trigger_display()} {self.status} ({self.data_source})"

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class WebhookDelivery(models.Model):
    """A signed webhook delivery, stored at once and processed by the worker exactly once."""

    data_source = models.ForeignKey(
        DataSource, on_delete=models.CASCADE, related_name="webhook_deliveries"
    )
    delivery_id = models.CharField(max_length=100)
    event = models.CharField(max_length=100)
    payload = models.JSONField()
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["data_source", "delivery_id"], name="webhookdelivery_unique_delivery"
            )
        ]
        indexes = [models.Index(fields=["processed_at", "received_at"])]

    def __str__(self) -> str:
        return f"{self.event} {self.delivery_id}"
