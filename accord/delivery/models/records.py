"""Normalized delivery records. Each is keyed by (data source, external id), so re-importing the
same data updates in place and never duplicates. Per-item facts (started/done, cycle and lead
time, first review) are derived when the item's history is written, not at query time, and the
time columns metrics filter by are indexed with the data source first, so PostgreSQL can later
partition these tables by time."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower

from accord.delivery.models.people import Person
from accord.delivery.models.sources import Category, DataSource


class SourceRecord(models.Model):
    """Columns every record shares."""

    data_source = models.ForeignKey(DataSource, on_delete=models.CASCADE, related_name="+")
    external_id = models.CharField(max_length=200)
    url = models.URLField(max_length=500, blank=True)

    class Meta:
        abstract = True


def _unique_external(name: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(
        fields=["data_source", "external_id"], name=f"{name}_unique_external"
    )


class WorkItem(SourceRecord):
    """An issue, story, bug, task or card."""

    key = models.CharField(max_length=100)
    title = models.CharField(max_length=500)
    item_type = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=200)
    status_id = models.CharField(max_length=100, blank=True)
    status_category = models.CharField(
        max_length=12, choices=Category.choices, default=Category.TODO
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(null=True, blank=True)
    parent_key = models.CharField(max_length=100, blank=True)
    epic_key = models.CharField(max_length=100, blank=True)
    story_points = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    assignee = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    labels = models.JSONField(default=list, blank=True)
    is_incident = models.BooleanField(default=False)
    # The category the source itself embedded with the current status (Jira's statusCategory),
    # kept per item so a status's embedded category can be taken from the most recently
    # updated item currently in it; blank when the source gives none.
    embedded_category = models.CharField(max_length=12, choices=Category.choices, blank=True)
    # Derived facts (DESIGN.md): first entry to in_progress, last entry to done if done now.
    started_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    cycle_time = models.DurationField(null=True, blank=True)
    lead_time = models.DurationField(null=True, blank=True)
    # Seconds of the cycle (started → done) spent in statuses where work is active
    # (DataSource.active_statuses); the rest of the cycle time is waiting. Flow efficiency reads
    # it instead of scanning the status history.
    active_seconds = models.FloatField(null=True, blank=True)

    class Meta:
        constraints = [_unique_external("workitem")]
        indexes = [
            models.Index(fields=["data_source", "done_at"]),
            models.Index(fields=["data_source", "started_at"]),
            models.Index(fields=["data_source", "key"]),
            models.Index(fields=["data_source", "status_id", "updated_at"]),
            # The epics done in a span (the metrics' loader asks by LOWER(item_type)), found
            # without reading every item of the source.
            models.Index(
                "data_source", Lower("item_type"), "done_at", name="delivery_wi_type_done_idx"
            ),
            # Work in progress: the items not done, with every column the metrics' loader reads
            # or filters by (done_at too, always NULL here: SQLite reads a column the index does
            # not hold from the row), so a month's KPIs never visit a source's open items' rows.
            models.Index(
                fields=[
                    "data_source",
                    "started_at",
                    "status_category",
                    "assignee",
                    "updated_at",
                    "done_at",
                ],
                condition=models.Q(done_at__isnull=True),
                name="delivery_wi_open_idx",
            ),
            # Items cancelled in a span (cancelled items count by their last update).
            models.Index(
                fields=["data_source", "updated_at"],
                condition=models.Q(status_category="cancelled"),
                name="delivery_wi_cancelled_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.title}"


class StatusChange(SourceRecord):
    """One move of a work item from one status to another."""

    # No index of their own: the unique (data_source, external_id) and the (work_item,
    # changed_at) index serve both columns, and a million-row import maintains each index.
    data_source = models.ForeignKey(
        DataSource, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    work_item = models.ForeignKey(
        WorkItem, on_delete=models.CASCADE, related_name="status_changes", db_index=False
    )
    from_status = models.CharField(max_length=200, blank=True)
    from_status_id = models.CharField(max_length=100, blank=True)
    to_status = models.CharField(max_length=200)
    to_status_id = models.CharField(max_length=100, blank=True)
    from_category = models.CharField(max_length=12, choices=Category.choices, blank=True)
    to_category = models.CharField(max_length=12, choices=Category.choices)
    changed_at = models.DateTimeField()
    author = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [_unique_external("statuschange")]
        indexes = [
            models.Index(fields=["work_item", "changed_at"]),
            models.Index(fields=["data_source", "changed_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class Sprint(SourceRecord):
    """A sprint (Jira) with the items in it when it started and when it closed."""

    name = models.CharField(max_length=200)
    state = models.CharField(max_length=20, blank=True)
    start_at = models.DateTimeField(null=True, blank=True)
    end_at = models.DateTimeField(null=True, blank=True)
    complete_at = models.DateTimeField(null=True, blank=True)
    goal = models.TextField(blank=True)

    class Meta:
        constraints = [_unique_external("sprint")]
        indexes = [models.Index(fields=["data_source", "complete_at"])]

    def __str__(self) -> str:
        return self.name


class SprintMembership(models.Model):
    """A work item's time in a sprint: when it was added and removed, and at start and close."""

    sprint = models.ForeignKey(Sprint, on_delete=models.CASCADE, related_name="memberships")
    work_item = models.ForeignKey(
        WorkItem, on_delete=models.CASCADE, related_name="sprint_memberships"
    )
    added_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    in_at_start = models.BooleanField(default=False)
    in_at_close = models.BooleanField(default=False)
    # Every add and removal known, as [ISO time, added?] pairs, so the flags above can be
    # recomputed when the sprint's dates arrive after the item's history (imports in any order).
    events = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sprint", "work_item"], name="sprintmembership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.work_item_id} in {self.sprint_id}"


class PullRequest(SourceRecord):
    """A pull request with its review and merge times."""

    repo = models.CharField(max_length=200)
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=500)
    author = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author_login = models.CharField(max_length=200, blank=True)
    state = models.CharField(max_length=20)
    is_draft = models.BooleanField(default=False)
    base_branch = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()
    first_review_at = models.DateTimeField(null=True, blank=True)
    merged_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    additions = models.PositiveIntegerField(null=True, blank=True)
    deletions = models.PositiveIntegerField(null=True, blank=True)
    changed_files = models.PositiveIntegerField(null=True, blank=True)
    merge_commit_sha = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [_unique_external("pullrequest")]
        indexes = [
            models.Index(fields=["data_source", "merged_at"]),
            models.Index(fields=["data_source", "created_at"]),
            # With the two above, the metrics' loader finds a month's pull requests (created,
            # merged or first reviewed in it) from the indexes alone, not a scan of them all.
            models.Index(fields=["data_source", "first_review_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.repo}#{self.number}"


class PullRequestReview(SourceRecord):
    """A review (or review comment) on a pull request."""

    pull_request = models.ForeignKey(PullRequest, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewer_login = models.CharField(max_length=200, blank=True)
    is_bot = models.BooleanField(default=False)
    state = models.CharField(max_length=30, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [_unique_external("pullrequestreview")]

    def __str__(self) -> str:
        return f"{self.reviewer_login} {self.state}"


class Deployment(SourceRecord):
    """A deployment (GitHub deployment, release or successful workflow run)."""

    environment = models.CharField(max_length=100)
    status = models.CharField(max_length=30)
    is_production = models.BooleanField(default=False)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    commit_sha = models.CharField(max_length=64, blank=True)
    version = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [_unique_external("deployment")]
        indexes = [models.Index(fields=["data_source", "finished_at"])]

    def __str__(self) -> str:
        return f"{self.environment} {self.version or self.commit_sha[:8]}"


class Incident(SourceRecord):
    """An incident, with the deployment it is attributed to."""

    title = models.CharField(max_length=500)
    severity = models.CharField(max_length=50, blank=True)
    started_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    deployment = models.ForeignKey(
        Deployment, on_delete=models.SET_NULL, null=True, blank=True, related_name="incidents"
    )

    class Meta:
        constraints = [_unique_external("incident")]
        indexes = [models.Index(fields=["data_source", "started_at"])]

    def __str__(self) -> str:
        return self.title


class Commit(SourceRecord):
    """A git commit with its size."""

    repo = models.CharField(max_length=200, blank=True)
    author = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author_name = models.CharField(max_length=200, blank=True)
    author_email = models.CharField(max_length=254, blank=True)
    authored_at = models.DateTimeField()
    committed_at = models.DateTimeField()
    # The author's and committer's UTC offsets in minutes, as git recorded them (the times above
    # are stored in UTC, which loses the local clock the commit was made on).
    authored_offset = models.SmallIntegerField(null=True, blank=True)
    committed_offset = models.SmallIntegerField(null=True, blank=True)
    additions = models.PositiveIntegerField(default=0)
    deletions = models.PositiveIntegerField(default=0)
    files_changed = models.PositiveIntegerField(default=0)
    summary = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [_unique_external("commit")]
        indexes = [models.Index(fields=["data_source", "committed_at"])]

    def __str__(self) -> str:
        return self.external_id[:10]
