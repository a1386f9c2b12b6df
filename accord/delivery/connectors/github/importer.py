"""Import GitHub REST JSON: a file or a folder of files, each record's kind told by its content.

Accepted: pull requests, reviews, review comments, deployments, deployment statuses, releases,
issues (incidents by label) and workflow runs — as a JSON list, a single object, or the
`{"workflow_runs": [...]}` / `{"items": [...]}` envelopes the API wraps some lists in. Every file
is read and mapped before anything is written, so a malformed record stops the import with one
sentence naming the file and the record, and nothing lands (run_import's transaction).

`apply_batch` is the one write path: the sync and the webhooks call it too.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from accord.delivery.actions import (
    Counts,
    ImportFailed,
    ImportSummary,
    resolve_accounts,
    upsert_records,
)
from accord.delivery.actions.derived import attribute_incidents, derive_first_review_at
from accord.delivery.actions.people import Account
from accord.delivery.connectors.github import mapping
from accord.delivery.connectors.github.mapping import Mapped, PayloadError, Skip, StatusUpdate
from accord.delivery.models import DataSource, Deployment, Incident, PullRequest, PullRequestReview

KINDS = (
    "pull_request",
    "review",
    "review_comment",
    "deployment",
    "deployment_status",
    "release",
    "workflow_run",
    "issue",
)
_EXPECTED = (
    "expected GitHub REST JSON of pull requests, reviews, review comments, deployments, "
    "deployment statuses, releases, issues or workflow runs"
)


def classify(record: Mapping[str, Any]) -> str | None:
    """Which kind of GitHub record this is, by the keys only that kind has; None if none."""
    if "pull_request_url" in record:
        return "review_comment" if "diff_hunk" in record else "review"
    if "head" in record and "base" in record and "number" in record:
        return "pull_request"
    if "deployment_url" in record and "state" in record:
        return "deployment_status"
    if "environment" in record and "sha" in record and "ref" in record:
        return "deployment"
    if "tag_name" in record:
        return "release"
    if "workflow_id" in record and "head_sha" in record:
        return "workflow_run"
    if "number" in record and ("repository_url" in record or "repository" in record):
        return "issue"
    return None


@dataclass
class Batch:
    """Mapped records of one import, sync page or webhook, waiting to be written together."""

    pulls: list[Mapped] = field(default_factory=list)
    reviews: list[Mapped] = field(default_factory=list)
    deployments: list[Mapped] = field(default_factory=list)
    statuses: list[StatusUpdate] = field(default_factory=list)
    # Releases and workflow runs: deployments that carry their own status.
    finished: list[Mapped] = field(default_factory=list)
    incidents: list[Mapped] = field(default_factory=list)
    skipped: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, kind: str, record: Mapping[str, Any], rule_source: DataSource) -> None:
        """Map one record of a known kind into the batch (raises PayloadError if malformed)."""
        if kind == "pull_request":
            self.pulls.append(mapping.map_pull_request(record))
        elif kind == "review":
            self.reviews.append(mapping.map_review(record))
        elif kind == "review_comment":
            self.reviews.append(mapping.map_review_comment(record))
        elif kind == "deployment":
            self.deployments.append(mapping.map_deployment(record, rule_source.deployment_rule))
        elif kind == "deployment_status":
            self.statuses.append(mapping.map_deployment_status(record))
        elif kind in ("release", "workflow_run", "issue"):
            mapper = {
                "release": lambda r: mapping.map_release(r, rule_source.deployment_rule),
                "workflow_run": lambda r: mapping.map_workflow_run(r, rule_source.deployment_rule),
                "issue": lambda r: mapping.map_issue(r, rule_source.incident_rule),
            }[kind]
            result = mapper(record)
            if isinstance(result, Skip):
                label = record.get("tag_name") or record.get("number") or record.get("id")
                self.skipped.append((kind, f"{kind.replace('_', ' ')} {label}", result.reason))
            elif kind == "issue":
                self.incidents.append(result)
            else:
                self.finished.append(result)
        else:
            raise ValueError(f"unknown GitHub record kind {kind!r}")


def records_of(document: Any) -> list[Any]:
    """The records in one parsed JSON document (a list, an envelope, or one object)."""
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        for envelope in ("workflow_runs", "items", "deployments", "statuses"):
            if isinstance(document.get(envelope), list):
                return list(document[envelope])
        return [document]
    raise PayloadError(f"the file holds a JSON {type(document).__name__} ({_EXPECTED})")


def read_file(path: Path, batch: Batch, data_source: DataSource) -> int:
    """Parse one file into the batch; returns how many records it held."""
    try:
        document = json.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ImportFailed(f"{path.name} is not UTF-8 text ({_EXPECTED}).") from None
    except json.JSONDecodeError as exc:
        raise ImportFailed(
            f"{path.name} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno} "
            f"({_EXPECTED})."
        ) from None
    try:
        records = records_of(document)
    except PayloadError as exc:
        raise ImportFailed(f"{path.name}: {exc}.") from None
    for index, record in enumerate(records, start=1):
        kind = classify(record) if isinstance(record, dict) else None
        if kind is None:
            raise ImportFailed(f"{path.name}, record {index} is not a GitHub record ({_EXPECTED}).")
        try:
            batch.add(kind, record, data_source)
        except PayloadError as exc:
            ident = record.get("number") or record.get("id") or "?"
            raise ImportFailed(
                f"{path.name}, record {index} ({kind.replace('_', ' ')} {ident}): {exc}."
            ) from None
    return len(records)


def files_in(path: Path) -> list[Path]:
    """The JSON files to import: the file itself, or every *.json under a folder, in order."""
    if path.is_dir():
        found = sorted(p for p in path.rglob("*.json") if p.is_file())
        if not found:
            raise ImportFailed(f"{path.name} holds no .json files ({_EXPECTED}).")
        return found
    if not path.is_file():
        raise ImportFailed(f"{path} does not exist; give a JSON file or a folder of them.")
    return [path]


def import_file(
    *,
    data_source: DataSource,
    path: Path | str,
    summary: ImportSummary,
    options: Mapping[str, Any] | None = None,
) -> None:
    """Import a GitHub REST JSON file or a folder of them into the data source."""
    batch = Batch()
    for file in files_in(Path(path)):
        read_file(file, batch, data_source)
    apply_batch(data_source=data_source, batch=batch, summary=summary)


# -- writing ---------------------------------------------------------------------------------


def _in_scope(
    data_source: DataSource, records: list[Mapped], kind: str, summary: ImportSummary
) -> list[Mapped]:
    repos = {str(r).casefold() for r in (data_source.scope or {}).get("repos") or []}
    if not repos:
        return records
    kept = []
    for record in records:
        if record.repo and record.repo.casefold() not in repos:
            summary.skip(kind, record.external_id, f"repo {record.repo} is not in this source")
        else:
            kept.append(record)
    return kept


def _person_ids(records: Iterable[Mapped]) -> dict[str, int]:
    accounts: dict[str, Account] = {}
    for record in records:
        for acc in record.accounts.values():
            accounts[acc.external_id] = acc
    return resolve_accounts("github", accounts.values()) if accounts else {}


def _rows(records: Iterable[Mapped], people: dict[str, int]) -> list[dict[str, Any]]:
    rows = []
    for record in records:
        row = {"external_id": record.external_id, **record.fields}
        for attname, acc in record.accounts.items():
            row[attname] = people.get(acc.external_id)
        rows.append(row)
    return rows


def _write_pulls(data_source: DataSource, pulls: list[Mapped], summary: ImportSummary) -> set[int]:
    people = _person_ids(pulls)
    for record in pulls:
        record.fields.setdefault("author_id", None)
    sized = [p for p in pulls if "additions" in p.fields]
    plain = [p for p in pulls if "additions" not in p.fields]
    touched: set[int] = set()
    for group, fields in ((sized, [*mapping.PULL_FIELDS, *mapping.SIZE_FIELDS]), (plain, None)):
        if not group:
            continue
        counts, ids = upsert_records(
            PullRequest,
            data_source=data_source,
            rows=_rows(group, people),
            fields=fields or mapping.PULL_FIELDS,
        )
        summary.add("pull_requests", counts)
        touched.update(ids.values())
    return touched


def _write_reviews(
    data_source: DataSource, reviews: list[Mapped], summary: ImportSummary
) -> set[int]:
    parents = dict(
        PullRequest.objects.filter(
            data_source=data_source, external_id__in={r.parent for r in reviews}
        ).values_list("external_id", "id")
    )
    known = []
    for record in reviews:
        if record.parent not in parents:
            summary.skip(
                "reviews",
                record.external_id,
                f"pull request {record.parent} is not imported; import it, then the reviews again",
            )
            continue
        record.fields["pull_request_id"] = parents[record.parent]
        record.fields.setdefault("reviewer_id", None)
        known.append(record)
    if known:
        counts, _ = upsert_records(
            PullRequestReview,
            data_source=data_source,
            rows=_rows(known, _person_ids(known)),
            fields=mapping.REVIEW_FIELDS,
        )
        summary.add("reviews", counts)
    return {r.fields["pull_request_id"] for r in known}


def _write_statuses(
    data_source: DataSource,
    batch_deployments: set[str],
    updates: list[StatusUpdate],
    summary: ImportSummary,
) -> None:
    """Fold statuses into their deployments; a deployment with none yet is pending."""
    by_deployment: dict[str, list[StatusUpdate]] = defaultdict(list)
    for update in updates:
        by_deployment[update.deployment].append(update)
    stored = Deployment.objects.filter(
        data_source=data_source, external_id__in=set(by_deployment) | batch_deployments
    ).only("id", "external_id", "status", "finished_at")
    seen, dirty, unchanged = set(), [], 0
    for deployment in stored:
        seen.add(deployment.external_id)
        status, finished = mapping.merge_status(
            (deployment.status, deployment.finished_at),
            by_deployment.get(deployment.external_id, []),
        )
        status = status or "pending"
        if (status, finished) != (deployment.status, deployment.finished_at):
            deployment.status, deployment.finished_at = status, finished
            dirty.append(deployment)
        elif deployment.external_id in by_deployment:
            unchanged += 1
    Deployment.objects.bulk_update(dirty, ["status", "finished_at"], batch_size=1000)
    applied = [d for d in dirty if d.external_id in by_deployment]
    summary.add("deployment_statuses", Counts(updated=len(applied), unchanged=unchanged))
    for key in sorted(set(by_deployment) - seen):
        for _ in by_deployment[key]:
            summary.skip(
                "deployment_statuses",
                key,
                f"{key} is not imported; import the deployments, then the statuses again",
            )


def apply_batch(*, data_source: DataSource, batch: Batch, summary: ImportSummary) -> None:
    """Write a batch: upserts in dependency order, then the facts derived from them."""
    for kind, label, reason in batch.skipped:
        summary.skip(kind + "s", label, reason)
    pulls = _in_scope(data_source, batch.pulls, "pull_requests", summary)
    reviews = _in_scope(data_source, batch.reviews, "reviews", summary)
    touched_prs = _write_pulls(data_source, pulls, summary) if pulls else set()
    if reviews:
        touched_prs |= _write_reviews(data_source, reviews, summary)
    if touched_prs:
        derive_first_review_at(touched_prs)

    deployments = _in_scope(data_source, batch.deployments, "deployments", summary)
    in_batch: set[str] = set()
    if deployments:
        counts, ids = upsert_records(
            Deployment,
            data_source=data_source,
            rows=_rows(deployments, {}),
            fields=mapping.DEPLOYMENT_FIELDS,
        )
        summary.add("deployments", counts)
        in_batch = set(ids)
    if in_batch or batch.statuses:
        _write_statuses(data_source, in_batch, batch.statuses, summary)
    finished = _in_scope(data_source, batch.finished, "deployments", summary)
    if finished:
        counts, _ = upsert_records(
            Deployment,
            data_source=data_source,
            rows=_rows(finished, {}),
            fields=mapping.RUN_FIELDS,
        )
        summary.add("deployments", counts)
    incidents = _in_scope(data_source, batch.incidents, "incidents", summary)
    if incidents:
        counts, _ = upsert_records(
            Incident,
            data_source=data_source,
            rows=_rows(incidents, {}),
            fields=mapping.INCIDENT_FIELDS,
        )
        summary.add("incidents", counts)
    if deployments or finished or batch.statuses or incidents:
        attribute_incidents(engagement_id=data_source.engagement_id)
