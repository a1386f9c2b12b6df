"""Incremental GitHub sync, per repository of the data source's scope, one request at a time:

1. pull requests, most recently updated first, until one not updated since the watermark;
2. the reviews of each pull request that changed;
3. deployments created since the watermark (less a day: statuses arrive after creation) and
   their statuses; releases when the deployment rule counts them; issues updated since the
   watermark when the incident rule names labels; workflow runs of the deployment workflow.

First pages carry the ETag of the last sync (If-None-Match); a 304 means the list has not
changed and is skipped at no cost to the rate limit. Each page's records are written in their
own transaction together with `run.cursor` (the remaining work, the next page's URL, the newest
times and ETags seen) and the counts so far, so a run that fails or is killed keeps the pages it
wrote and its successor adopts the cursor and goes on from the next page. Reviews and
deployment statuses are fetched after the pages of their pull requests and deployments, so what
they attach to is already written. The watermark and the ETags move only when the last page is
in.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from accord.delivery.actions import ImportFailed, ImportSummary
from accord.delivery.actions.runs import save_progress
from accord.delivery.connectors.github import importer, mapping
from accord.delivery.connectors.github.client import GitHubClient
from accord.delivery.connectors.http import HttpError
from accord.delivery.models import DataSource, SyncRun, SyncRunStatus

logger = logging.getLogger(__name__)
CURSOR_VERSION = 1
# Runs that stopped before the end and may have left a cursor to resume from.
STOPPED = (SyncRunStatus.FAILED, SyncRunStatus.INTERRUPTED)
# Deployments, releases and runs are listed by creation; one created just before the last sync
# can finish after it, so they are read again over this margin (upserts make that harmless).
OVERLAP = dt.timedelta(days=1)

# The fields the mapping reads, per kind: a stored cursor keeps only these.
_USER = {"login": True, "type": True}
KEEP: dict[str, dict[str, Any]] = {
    "pull_request": {
        **dict.fromkeys(
            ["number", "state", "title", "created_at", "updated_at", "merged_at", "closed_at"],
            True,
        ),
        **dict.fromkeys(["draft", "merge_commit_sha", "html_url", "url"], True),
        **dict.fromkeys(["additions", "deletions", "changed_files"], True),
        "user": _USER,
        "head": {"ref": True},
        "base": {"ref": True, "repo": {"full_name": True}},
    },
    "review": {
        **dict.fromkeys(["id", "state", "submitted_at", "html_url", "pull_request_url"], True),
        "user": _USER,
    },
    "deployment": dict.fromkeys(
        [
            "id",
            "environment",
            "sha",
            "ref",
            "created_at",
            "production_environment",
            "repository_url",
        ],
        True,
    ),
    "deployment_status": dict.fromkeys(["id", "deployment_url", "state", "created_at"], True),
    "release": dict.fromkeys(
        [
            "id",
            "tag_name",
            "draft",
            "prerelease",
            "created_at",
            "published_at",
            "url",
            "target_commitish",
            "html_url",
        ],
        True,
    ),
    "issue": {
        **dict.fromkeys(["number", "title", "state", "created_at", "closed_at"], True),
        **dict.fromkeys(["html_url", "repository_url", "pull_request"], True),
        "labels": {"name": True},
    },
    "workflow_run": {
        **dict.fromkeys(
            ["id", "name", "head_branch", "status", "conclusion", "created_at", "updated_at"],
            True,
        ),
        **dict.fromkeys(["run_started_at", "head_sha", "run_number", "html_url"], True),
        "workflow_id": True,
        "repository": {"full_name": True},
    },
}


def compact(record: Any, keep: Mapping[str, Any]) -> Any:
    """`record` with only the keys in `keep` (nested dicts and lists of dicts alike)."""
    if isinstance(record, list):
        return [compact(item, keep) for item in record]
    if not isinstance(record, dict):
        return record
    kept = {}
    for key, spec in keep.items():
        if key in record:
            value = record[key]
            kept[key] = compact(value, spec) if isinstance(spec, dict) and value else value
    return kept


class GitHubNotConfigured(ImportFailed):
    """The data source lacks what a sync needs; the message says what to set."""


def client_for(data_source: DataSource, **kwargs: Any) -> GitHubClient:
    """A client for the data source's API address and token."""
    api_url = str((data_source.scope or {}).get("api_url") or "")
    if not api_url.startswith(("https://", "http://")):
        raise GitHubNotConfigured(
            f"{data_source.name} has no GitHub API address; set its scope's api_url "
            "(see docs/github.md)."
        )
    return GitHubClient(api_url=api_url, token=data_source.token, **kwargs)


def _repos(data_source: DataSource) -> list[str]:
    repos = [str(r).strip() for r in (data_source.scope or {}).get("repos") or []]
    repos = [r for r in repos if r.count("/") == 1 and all(r.split("/"))]
    if not repos:
        raise GitHubNotConfigured(
            f"{data_source.name} names no repository; set its scope's repos (owner/name, ...)."
        )
    return repos


def _initial_tasks(data_source: DataSource, repos: list[str]) -> list[dict[str, Any]]:
    rule, incidents = data_source.deployment_rule or {}, data_source.incident_rule or {}
    tasks: list[dict[str, Any]] = []
    for repo in repos:
        tasks.append({"kind": "pull_request", "repo": repo})
        tasks.append({"kind": "deployment", "repo": repo})
        if rule.get("releases"):
            tasks.append({"kind": "release", "repo": repo})
        if incidents.get("labels"):
            tasks.append({"kind": "issue", "repo": repo})
        if rule.get("workflow"):
            tasks.append({"kind": "workflow_run", "repo": repo})
    return tasks


def _adopt_cursor(data_source: DataSource, run: SyncRun | None) -> dict[str, Any]:
    """This run's cursor, or the one the latest failed sync of the source left behind."""
    candidates = [run.cursor] if run is not None and run.cursor else []
    failed = (
        SyncRun.objects.filter(
            data_source=data_source, trigger=SyncRun.Trigger.SYNC, status__in=STOPPED
        )
        .exclude(cursor={})
        .order_by("-created_at", "-id")
    )
    if run is not None:
        failed = failed.exclude(pk=run.pk)
    candidates += list(failed.values_list("cursor", flat=True)[:1])
    for cursor in candidates:
        if isinstance(cursor, dict) and cursor.get("version") == CURSOR_VERSION:
            return dict(cursor)
    return {}


def sync(
    *,
    data_source: DataSource,
    summary: ImportSummary,
    run: SyncRun | None = None,
    client: GitHubClient | None = None,
) -> None:
    """Pull what changed in the source's repositories since the last sync, resumably."""
    repos = _repos(data_source)
    cursor = _adopt_cursor(data_source, run)
    resumed = bool(cursor)
    if not cursor:
        cursor = {
            "version": CURSOR_VERSION,
            "started_at": timezone.now().isoformat(),
            "tasks": _initial_tasks(data_source, repos),
            "next": None,
            "records": [],
            "newest": {},
            "etags": {},
        }
    own_client = client is None
    client = client or client_for(data_source)
    try:
        while cursor["tasks"]:
            _run_task(data_source, client, cursor, summary)
            with transaction.atomic():
                _write_page(data_source, cursor, summary)
                save_progress(run=run, cursor=cursor, summary=summary)
    except HttpError as exc:
        raise ImportFailed(f"{exc} The next sync goes on from here.") from exc
    finally:
        if own_client:
            client.close()
    if resumed:
        summary.notes.append("Resumed from where the previous sync stopped.")
    with transaction.atomic():
        _move_watermark(data_source, cursor)
        SyncRun.objects.filter(data_source=data_source, status__in=STOPPED).exclude(
            cursor={}
        ).update(cursor={})
    if run is not None:
        run.cursor = {}


def _since(data_source: DataSource, repo: str) -> dt.datetime | None:
    mark = ((data_source.watermark or {}).get("repos") or {}).get(repo) or {}
    text = mark.get("synced_at")
    return dt.datetime.fromisoformat(text) - OVERLAP if text else None


def _pull_mark(data_source: DataSource, repo: str) -> dt.datetime | None:
    mark = ((data_source.watermark or {}).get("repos") or {}).get(repo) or {}
    text = mark.get("pulls_updated")
    return dt.datetime.fromisoformat(text) if text else None


def _first_page(kind: str, repo: str, data_source: DataSource) -> tuple[str, dict[str, Any], str]:
    """The list URL, its query and its envelope key for one kind of record."""
    base = f"/repos/{repo}"
    since = _since(data_source, repo)
    query: dict[str, Any]
    if kind == "pull_request":
        return f"{base}/pulls", {"state": "all", "sort": "updated", "direction": "desc"}, ""
    if kind == "issue":
        query = {"state": "all", "sort": "updated", "direction": "desc"}
        if since is not None:
            query["since"] = since.strftime("%Y-%m-%dT%H:%M:%SZ")
        return f"{base}/issues", query, ""
    if kind == "deployment":
        return f"{base}/deployments", {}, ""
    if kind == "release":
        return f"{base}/releases", {}, ""
    if kind == "workflow_run":
        query = {}
        if since is not None:
            query["created"] = f">={since:%Y-%m-%dT%H:%M:%SZ}"
        return f"{base}/actions/runs", query, "workflow_runs"
    raise ValueError(f"unknown list kind {kind!r}")


def _older_than(record: dict[str, Any], key: str, mark: dt.datetime | None) -> bool:
    if mark is None:
        return False
    # Strictly older: several PRs can share one updated_at second (the recorded sample has four),
    # so those at the watermark itself are read again rather than risk missing one.
    when = mapping.parse_time(record.get(key), key)
    return when is not None and when < mark


def _run_task(
    data_source: DataSource, client: GitHubClient, cursor: dict[str, Any], summary: ImportSummary
) -> None:
    """Fetch the next page of the first task; move on to the next task when it is done."""
    task = cursor["tasks"][0]
    kind, repo = task["kind"], task["repo"]
    etags: dict[str, str] = cursor["etags"]
    query: dict[str, Any] = {}
    if kind in ("review", "deployment_status"):
        url, envelope = task["url"], ""
    else:
        url, query, envelope = _first_page(kind, repo, data_source)
    etag_key = f"{url}?{sorted(query.items())}"
    stored_etags = (data_source.watermark or {}).get("etags") or {}
    if cursor["next"]:
        page = client.page(cursor["next"], envelope=envelope)
    else:
        etag = stored_etags.get(etag_key, "") if kind not in ("review", "deployment_status") else ""
        page = client.page(url, params=query, etag=etag, envelope=envelope)
        if page.etag and kind not in ("review", "deployment_status"):
            etags[etag_key] = page.etag
    if page.not_modified:
        summary.notes.append(f"{repo}: {kind.replace('_', ' ')}s unchanged since the last sync.")
        etags[etag_key] = stored_etags.get(etag_key, "")
        cursor["tasks"].pop(0)
        cursor["next"] = None
        return
    done = page.next is None
    keep = KEEP[kind]
    records = cursor["records"]
    mark = _pull_mark(data_source, repo) if kind == "pull_request" else _since(data_source, repo)
    for raw in page.items:
        if not isinstance(raw, dict):
            raise ImportFailed(f"GitHub listed something other than a record in {url}.")
        stop_key = {"pull_request": "updated_at", "issue": "updated_at"}.get(kind, "created_at")
        if kind not in ("review", "deployment_status") and _older_than(raw, stop_key, mark):
            done = True  # newest first: everything after this is older still
            break
        records.append({"kind": kind, "record": compact(raw, keep)})
        _follow_up(kind, repo, raw, cursor)
    logger.info(
        "github.sync.page",
        extra={"data_source_id": data_source.pk, "repo": repo, "kind": kind, "n": len(page.items)},
    )
    if done:
        cursor["tasks"].pop(0)
        cursor["next"] = None
    else:
        cursor["next"] = page.next


def _follow_up(kind: str, repo: str, raw: dict[str, Any], cursor: dict[str, Any]) -> None:
    """Queue the reviews of a changed PR and the statuses of a deployment; track the newest."""
    if kind == "pull_request":
        number = raw.get("number")
        url = f"/repos/{repo}/pulls/{number}/reviews"
        cursor["tasks"].insert(1, {"kind": "review", "repo": repo, "url": url})
        updated = str(raw.get("updated_at") or "")
        newest = cursor["newest"].get(repo, "")
        if updated and (not newest or _dt(updated) > _dt(newest)):
            cursor["newest"][repo] = updated
    elif kind == "deployment":
        url = f"/repos/{repo}/deployments/{raw.get('id')}/statuses"
        cursor["tasks"].insert(1, {"kind": "deployment_status", "repo": repo, "url": url})


def _dt(text: str) -> dt.datetime:
    value = mapping.parse_time(text, "updated_at")
    assert value is not None
    return value


def _write_page(data_source: DataSource, cursor: dict[str, Any], summary: ImportSummary) -> None:
    """Write the records of the page just fetched, and drop them from the cursor."""
    batch = importer.Batch()
    for n, entry in enumerate(cursor["records"], start=1):
        try:
            batch.add(entry["kind"], entry["record"], data_source)
        except mapping.PayloadError as exc:
            kind = entry["kind"].replace("_", " ")
            ident = entry["record"].get("number") or entry["record"].get("id") or n
            raise ImportFailed(f"GitHub {kind} {ident}: {exc}.") from None
    importer.apply_batch(data_source=data_source, batch=batch, summary=summary)
    cursor["records"] = []


def _move_watermark(data_source: DataSource, cursor: dict[str, Any]) -> None:
    """After the last page: the new watermark per repository, and the ETags to send next."""
    mark = dict(data_source.watermark or {})
    repos = dict(mark.get("repos") or {})
    for repo in {task["repo"] for task in _initial_tasks(data_source, _repos(data_source))}:
        entry = dict(repos.get(repo) or {})
        entry["synced_at"] = cursor["started_at"]
        if cursor["newest"].get(repo):
            entry["pulls_updated"] = cursor["newest"][repo]
        repos[repo] = entry
    mark["repos"] = repos
    mark["etags"] = {**(mark.get("etags") or {}), **cursor["etags"]}
    DataSource.objects.filter(pk=data_source.pk).update(watermark=mark)
    data_source.watermark = mark
