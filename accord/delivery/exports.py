"""Exports of an engagement's delivery records as CSV or JSON, streamed row by row.

One row per record, in the columns below; the CLI, the API and the web download share them.
The rows are the list's rows: the same filters (accord.delivery.queries) over the data sources
the user may see, so a filtered page downloads what it shows; the CLI exports everything.
Times are ISO 8601 in UTC (`2026-02-25T22:17:00Z`), durations are hours as decimals rounded to
two places (the same numbers in CSV and JSON), booleans `true`/`false`, and a value the record
does not have is empty in CSV and null in JSON. Rows are read with `iterator(chunk_size=…)`, so
an export of a million work items holds one chunk in memory.

work-items     key, title, type, status, status_category, created_at, started_at, done_at,
               cycle_time_hours, lead_time_hours, story_points, sprint (the sprint the item is
               in now, the latest if several), source (data source name), url
pull-requests  repo, number, title, author (login), state, is_draft, base_branch, created_at,
               first_review_at, merged_at, closed_at, pickup_time_hours (created → first review
               by someone else), time_to_merge_hours, additions, deletions, changed_files,
               source, url
deployments    environment, version, commit_sha, status, is_production, started_at, finished_at,
               duration_hours, incidents (attributed to it), source, url
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import F, OuterRef, QuerySet, Subquery
from django.http import StreamingHttpResponse

from accord.accounts import policy
from accord.accounts.policy import AnyUser, Perm
from accord.delivery import queries
from accord.delivery.models import DataSource, SprintMembership
from accord.engagements.models import Engagement
from accord.engagements.queries import engagement_for

CHUNK = 2000
FORMATS = ("csv", "json")
Value = str | int | float | bool | None
Filters = queries.WorkItemFilters | queries.PullRequestFilters | queries.DeploymentFilters
Sources = QuerySet[DataSource]


def iso(value: dt.datetime | None) -> str | None:
    """An aware datetime as ISO 8601 in UTC with a Z, or None."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def hours(value: dt.timedelta | None) -> float | None:
    """A duration in hours, rounded to two decimals, or None."""
    return round(value.total_seconds() / 3600, 2) if value is not None else None


def _between(start: dt.datetime | None, end: dt.datetime | None) -> float | None:
    return hours(end - start) if start is not None and end is not None else None


def _points(value: Decimal | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


@dataclass(frozen=True)
class Export:
    """One kind of export: its columns, its filters, its rows and how a record becomes a row."""

    name: str
    filters: type[Filters]
    columns: tuple[str, ...]
    rows: Callable[[Sources, Any], QuerySet[Any]]
    row: Callable[[dict[str, Any]], tuple[Value, ...]]


def _work_item_rows(sources: Sources, filters: queries.WorkItemFilters) -> QuerySet[Any]:
    current_sprint = (
        SprintMembership.objects.filter(work_item=OuterRef("pk"), removed_at__isnull=True)
        .order_by("-sprint__start_at", "-sprint_id")
        .values("sprint__name")[:1]
    )
    return (
        queries.work_items(sources, filters)
        .annotate(sprint_name=Subquery(current_sprint), source_name=_source_name())
        .order_by("data_source_id", "created_at", "id")
        .values(
            "key",
            "title",
            "item_type",
            "status",
            "status_category",
            "created_at",
            "started_at",
            "done_at",
            "cycle_time",
            "lead_time",
            "story_points",
            "sprint_name",
            "source_name",
            "url",
        )
    )


def _work_item(w: dict[str, Any]) -> tuple[Value, ...]:
    return (
        w["key"],
        w["title"],
        w["item_type"] or None,
        w["status"],
        w["status_category"],
        iso(w["created_at"]),
        iso(w["started_at"]),
        iso(w["done_at"]),
        hours(w["cycle_time"]),
        hours(w["lead_time"]),
        _points(w["story_points"]),
        w["sprint_name"],
        w["source_name"],
        w["url"] or None,
    )


def _pull_request_rows(sources: Sources, filters: queries.PullRequestFilters) -> QuerySet[Any]:
    return (
        queries.pull_requests(sources, filters)
        .annotate(source_name=_source_name())
        .order_by("data_source_id", "created_at", "id")
        .values(
            "repo",
            "number",
            "title",
            "author_login",
            "state",
            "is_draft",
            "base_branch",
            "created_at",
            "first_review_at",
            "merged_at",
            "closed_at",
            "additions",
            "deletions",
            "changed_files",
            "source_name",
            "url",
        )
    )


def _pull_request(p: dict[str, Any]) -> tuple[Value, ...]:
    return (
        p["repo"],
        p["number"],
        p["title"],
        p["author_login"] or None,
        p["state"],
        p["is_draft"],
        p["base_branch"] or None,
        iso(p["created_at"]),
        iso(p["first_review_at"]),
        iso(p["merged_at"]),
        iso(p["closed_at"]),
        _between(p["created_at"], p["first_review_at"]),
        _between(p["created_at"], p["merged_at"]),
        p["additions"],
        p["deletions"],
        p["changed_files"],
        p["source_name"],
        p["url"] or None,
    )


def _deployment_rows(sources: Sources, filters: queries.DeploymentFilters) -> QuerySet[Any]:
    # queries.deployments counts the incidents attributed to each (incident_count).
    return (
        queries.deployments(sources, filters)
        .annotate(source_name=_source_name())
        .order_by("data_source_id", "started_at", "id")
        .values(
            "environment",
            "version",
            "commit_sha",
            "status",
            "is_production",
            "started_at",
            "finished_at",
            "incident_count",
            "source_name",
            "url",
        )
    )


def _deployment(d: dict[str, Any]) -> tuple[Value, ...]:
    return (
        d["environment"],
        d["version"] or None,
        d["commit_sha"] or None,
        d["status"],
        d["is_production"],
        iso(d["started_at"]),
        iso(d["finished_at"]),
        _between(d["started_at"], d["finished_at"]),
        d["incident_count"],
        d["source_name"],
        d["url"] or None,
    )


def _source_name() -> F:
    return F("data_source__name")


EXPORTS: dict[str, Export] = {
    "work-items": Export(
        "work-items",
        queries.WorkItemFilters,
        (
            "key",
            "title",
            "type",
            "status",
            "status_category",
            "created_at",
            "started_at",
            "done_at",
            "cycle_time_hours",
            "lead_time_hours",
            "story_points",
            "sprint",
            "source",
            "url",
        ),
        _work_item_rows,
        _work_item,
    ),
    "pull-requests": Export(
        "pull-requests",
        queries.PullRequestFilters,
        (
            "repo",
            "number",
            "title",
            "author",
            "state",
            "is_draft",
            "base_branch",
            "created_at",
            "first_review_at",
            "merged_at",
            "closed_at",
            "pickup_time_hours",
            "time_to_merge_hours",
            "additions",
            "deletions",
            "changed_files",
            "source",
            "url",
        ),
        _pull_request_rows,
        _pull_request,
    ),
    "deployments": Export(
        "deployments",
        queries.DeploymentFilters,
        (
            "environment",
            "version",
            "commit_sha",
            "status",
            "is_production",
            "started_at",
            "finished_at",
            "duration_hours",
            "incidents",
            "source",
            "url",
        ),
        _deployment_rows,
        _deployment,
    ),
}


def _sources(engagement: Engagement, user: AnyUser | None) -> Sources:
    """The engagement's sources the user may see; None is the operator at the server (CLI)."""
    if user is None:
        return DataSource.objects.filter(engagement=engagement)
    return policy.visible_data_sources(user).filter(engagement=engagement)


def engagement_to_export(user: AnyUser, slug: str) -> Engagement:
    """The engagement `user` may export from (404 if they may not see it, 403 if not read)."""
    engagement = engagement_for(user, slug)
    policy.require(user, Perm.VIEW_ENGAGEMENT, engagement)
    return engagement


def values(
    kind: str, engagement: Engagement, user: AnyUser | None, filters: Filters | None = None
) -> Iterator[tuple[Value, ...]]:
    """The rows of one export (all of them without `filters`), read in chunks."""
    export = EXPORTS[kind]
    wanted = export.filters() if filters is None else filters
    for record in export.rows(_sources(engagement, user), wanted).iterator(chunk_size=CHUNK):
        yield export.row(record)


class _Line:
    """A file-like that hands back what csv.writer writes, so each row streams as a string."""

    def write(self, text: str) -> str:
        return text


def _csv_cell(value: Value) -> Value:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def stream_csv(
    kind: str, engagement: Engagement, user: AnyUser | None, filters: Filters | None = None
) -> Iterator[str]:
    """The export as CSV text, one line at a time, header first."""
    writer = csv.writer(_Line(), lineterminator="\n")
    yield writer.writerow(EXPORTS[kind].columns)
    for row in values(kind, engagement, user, filters):
        yield writer.writerow([_csv_cell(v) for v in row])


def stream_json(
    kind: str, engagement: Engagement, user: AnyUser | None, filters: Filters | None = None
) -> Iterator[str]:
    """The export as a JSON array of objects keyed by column, one object per line."""
    columns = EXPORTS[kind].columns
    yield "["
    first = True
    for row in values(kind, engagement, user, filters):
        yield ("\n" if first else ",\n") + json.dumps(dict(zip(columns, row, strict=True)))
        first = False
    yield "\n]\n"


def stream(
    kind: str,
    fmt: str,
    engagement: Engagement,
    user: AnyUser | None,
    filters: Filters | None = None,
) -> Iterator[str]:
    """The export in `fmt` (csv or json)."""
    return (stream_csv if fmt == "csv" else stream_json)(kind, engagement, user, filters)


def response(
    kind: str, fmt: str, engagement: Engagement, user: AnyUser, filters: Filters | None = None
) -> StreamingHttpResponse:
    """The export as a streamed download named `<engagement>-<kind>.<fmt>`."""
    content_type = "text/csv; charset=utf-8" if fmt == "csv" else "application/json"
    rows = stream(kind, fmt, engagement, user, filters)
    answer = StreamingHttpResponse(rows, content_type=content_type)
    answer["Content-Disposition"] = f'attachment; filename="{engagement.slug}-{kind}.{fmt}"'
    return answer
