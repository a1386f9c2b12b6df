"""Incremental Jira sync: issues updated since the watermark, their full changelogs, sprints and
the status list.

The search asks for `updated >= watermark - overlap ORDER BY updated ASC`: JQL compares in
whole minutes, in the Jira user's zone (scope `zone`; without it the overlap covers every
zone), and search is eventually consistent, so a little is read twice and nothing is missed;
upserts make the re-read harmless. Each page is written in its own transaction together with
`run.cursor` (the query and the next page token) and the counts so far, so a run killed
half-way resumes at the page after the last one written — its successor adopts the cursor
(sync_now runs a sync without an enclosing transaction for this). When a caller does wrap the
whole sync in one transaction, a failure rolls the pages back together with the cursor, and the
next run starts again from the watermark: slower, never lossy. The watermark moves only when
the last page is in.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction

from accord.delivery.actions import ImportFailed, ImportSummary
from accord.delivery.actions.runs import save_progress
from accord.delivery.connectors.http import HttpError
from accord.delivery.connectors.jira.client import JiraClient
from accord.delivery.connectors.jira.mapping import (
    FieldHints,
    MappingError,
    map_issue,
    parse_histories,
    sprint_field_ids,
)
from accord.delivery.connectors.jira.pages import map_sprints, map_statuses
from accord.delivery.connectors.jira.store import Batch, write_batch
from accord.delivery.models import DataSource, SyncRun, SyncRunStatus

logger = logging.getLogger(__name__)
OVERLAP = dt.timedelta(minutes=5)
# Without the user's zone, a JQL time could be read up to 14 hours off UTC either way.
UNKNOWN_ZONE_OVERLAP = dt.timedelta(hours=14)


class JiraNotConfigured(ImportFailed):
    """The data source lacks what a sync needs; the message says what to set."""


def client_for(data_source: DataSource, **kwargs: Any) -> JiraClient:
    """A client for the data source's site and credentials."""
    base_url = str((data_source.scope or {}).get("base_url") or "")
    if not base_url.startswith(("https://", "http://")):
        raise JiraNotConfigured(
            f"{data_source.name} has no Jira site address; set its scope's base_url "
            "(https://your-site.atlassian.net)."
        )
    return JiraClient(
        base_url=base_url, username=data_source.username, token=data_source.token, **kwargs
    )


def base_jql(data_source: DataSource) -> str:
    """The source's own JQL, or one built from its project keys."""
    scope = data_source.scope or {}
    if scope.get("jql"):
        return str(scope["jql"])
    keys = [str(k).strip() for k in scope.get("project_keys") or [] if str(k).strip()]
    if not keys:
        raise JiraNotConfigured(
            f"{data_source.name} says nothing to read; set its scope's project_keys or jql."
        )
    return "project in (" + ", ".join(f'"{k}"' for k in keys) + ")"


def incremental_jql(data_source: DataSource, since: dt.datetime | None) -> str:
    """The search for everything updated since `since` (less the overlap), oldest first."""
    jql = f"({base_jql(data_source)})"
    if since is not None:
        zone_name = (data_source.scope or {}).get("zone")
        try:
            zone: dt.tzinfo = ZoneInfo(str(zone_name)) if zone_name else dt.UTC
        except (ZoneInfoNotFoundError, ValueError):
            raise JiraNotConfigured(
                f"“{zone_name}” is not a time zone; set the scope's zone to an IANA name."
            ) from None
        margin = OVERLAP if zone_name else OVERLAP + UNKNOWN_ZONE_OVERLAP
        local = (since - margin).astimezone(zone)
        jql += f' AND updated >= "{local:%Y-%m-%d %H:%M}"'
    return jql + " ORDER BY updated ASC"


def _adopt_cursor(data_source: DataSource, run: SyncRun | None) -> dict[str, Any]:
    """This run's cursor, or the one a killed or failed earlier run left behind."""
    if run is None:
        return {}
    stored = SyncRun.objects.filter(pk=run.pk).values_list("cursor", flat=True).first()
    if stored:
        return dict(stored)
    runs = SyncRun.objects.filter(data_source=data_source, trigger=SyncRun.Trigger.SYNC).exclude(
        pk=run.pk
    )
    # Only a run that stopped after the last success left a position worth resuming from.
    last_success = (
        runs.filter(status=SyncRunStatus.SUCCEEDED).order_by("-created_at", "-id").first()
    )
    candidates = runs.filter(
        status__in=[SyncRunStatus.RUNNING, SyncRunStatus.FAILED, SyncRunStatus.INTERRUPTED],
        created_at__lte=run.created_at,
    ).exclude(cursor={})
    if last_success is not None:
        candidates = candidates.filter(created_at__gt=last_success.created_at)
    earlier = candidates.order_by("-created_at", "-id").first()
    if earlier is None or not earlier.cursor.get("jql"):
        return {}
    cursor = dict(earlier.cursor)
    SyncRun.objects.filter(pk=earlier.pk).update(cursor={})
    SyncRun.objects.filter(pk=run.pk).update(cursor=cursor)
    run.cursor = cursor
    return cursor


def sync(
    *,
    data_source: DataSource,
    summary: ImportSummary,
    run: SyncRun | None = None,
    client: JiraClient | None = None,
) -> None:
    """Pull issues updated since the watermark, then sprints and statuses; resumable by page."""
    own_client = client is None
    client = client or client_for(data_source)
    try:
        _sync(data_source=data_source, summary=summary, run=run, client=client)
    except HttpError as exc:
        raise ImportFailed(str(exc)) from None
    finally:
        if own_client:
            client.close()


def _sync(
    *, data_source: DataSource, summary: ImportSummary, run: SyncRun | None, client: JiraClient
) -> None:
    cursor = _adopt_cursor(data_source, run)
    watermark = (data_source.watermark or {}).get("updated")
    since = dt.datetime.fromisoformat(watermark) if watermark else None
    jql = cursor.get("jql") or incremental_jql(data_source, since)
    # The watermark never moves back, whatever an adopted cursor remembers.
    known = [dt.datetime.fromisoformat(t) for t in (cursor.get("newest"), watermark) if t]
    newest = max(known) if known else None
    token = cursor.get("next_page_token")
    pages = int(cursor.get("pages") or 0)
    if cursor:
        summary.notes.append(f"Resumed after page {pages} of an earlier run that stopped.")
    hints = FieldHints(story_points=str((data_source.scope or {}).get("story_points_field") or ""))
    # A run that stopped after its last search page (in the reference data) left no next page:
    # only the sprints and statuses remain to be read.
    searched = bool(cursor) and pages > 0 and not token
    page_iter: Iterator[Any] = iter(())
    try:
        if not searched:
            page_iter = client.search(jql=jql, start_token=token)
        first = next(page_iter, None)
    except HttpError as exc:
        if token is None or exc.status not in (400, 404):
            raise
        # A page token can expire; the query itself still holds, and re-reading is harmless.
        summary.notes.append("The stored page token had expired; the query was run again.")
        page_iter = client.search(jql=jql)
        first = next(page_iter, None)
    page = first
    while page is not None:
        batch = _page_batch(client, page.items, hints)
        for issue in batch.issues.values():
            if issue.updated_at and (newest is None or issue.updated_at > newest):
                newest = issue.updated_at
        pages += 1
        following = {
            "jql": jql,
            "next_page_token": page.next,
            "newest": newest.isoformat() if newest else None,
            "pages": pages,
        }
        with transaction.atomic():
            write_batch(data_source=data_source, batch=batch, summary=summary)
            save_progress(run=run, cursor=following, summary=summary)
        logger.info(
            "jira.sync.page",
            extra={"data_source_id": data_source.pk, "page": pages, "issues": len(batch.issues)},
        )
        page = next(page_iter, None)
    _sync_reference_data(data_source=data_source, summary=summary, client=client)
    with transaction.atomic():
        mark = dict(data_source.watermark or {})
        if newest is not None:
            mark["updated"] = newest.isoformat()
        DataSource.objects.filter(pk=data_source.pk).update(watermark=mark)
        data_source.watermark = mark
        if run is not None:
            SyncRun.objects.filter(pk=run.pk).update(cursor={})
            run.cursor = {}


def _page_batch(client: JiraClient, payload: dict[str, Any], hints: FieldHints) -> Batch:
    """One search page as a batch, with the complete changelog of every truncated issue."""
    names = payload.get("names")
    if isinstance(names, dict) and names:
        hints = FieldHints.from_names(names, hints.story_points)
    batch = Batch()
    for n, raw in enumerate(payload["issues"], start=1):
        try:
            issue = map_issue(raw, hints=hints)
        except MappingError as exc:
            raise ImportFailed(f"Jira search page, record {n}: {exc}.") from None
        batch.add_issue(issue)
        if issue.changelog_truncated or issue.changelog_total is None:
            histories = client.changelog(issue.external_id)
            try:
                batch.histories[issue.external_id] = parse_histories(
                    histories,
                    what=f"issue {issue.key}",
                    sprint_fields=sprint_field_ids(raw.get("fields") or {}),
                )
            except MappingError as exc:
                raise ImportFailed(f"Jira changelog of {issue.key}: {exc}.") from None
    return batch


def _sync_reference_data(
    *, data_source: DataSource, summary: ImportSummary, client: JiraClient
) -> None:
    """The status list, and the board's sprints when the scope names a board."""
    batch = Batch()
    try:
        batch.statuses = {s.external_id: s for s in map_statuses(client.statuses())}
        board_id = (data_source.scope or {}).get("board_id")
        if board_id:
            batch.sprints = {s.external_id: s for s in map_sprints(client.sprints(board_id))}
    except MappingError as exc:
        raise ImportFailed(f"Jira reference data: {exc}.") from None
    with transaction.atomic():
        write_batch(data_source=data_source, batch=batch, summary=summary)
