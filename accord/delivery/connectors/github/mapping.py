"""GitHub REST payloads → field dicts for the delivery records. Pure: no database, no I/O.

External ids: a pull request or incident issue is ``owner/name#number`` (so a review, which names
its PR only by URL, finds it without a lookup); a review is its numeric id and a review comment
``comment-<id>``; deployments are ``deployment-<id>``, ``run-<id>`` and ``release-<id>`` by origin.
"""

from __future__ import annotations

import bisect
import datetime as dt
import fnmatch
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from accord.delivery.actions.people import Account, is_bot_login

Payload = Mapping[str, Any]

TITLE_MAX = 500
URL_MAX = 500
_PULL_URL = re.compile(r"/repos/([^/]+/[^/]+)/pulls/(\d+)/?$")
_REPO_URL = re.compile(r"/repos/([^/]+/[^/]+?)/?$")
_DEPLOYMENT_URL = re.compile(r"/deployments/(\d+)/?$")
_SEVERITY_LABEL = re.compile(r"^(?:severity|sev|priority)\s*[:/=-]?\s*(.+)$", re.IGNORECASE)

# A deployment's statuses move forward (pending → in progress → success, failure or error, and a
# superseded deployment later becomes inactive); the furthest one seen is its status, so the
# statuses can arrive in any order, in any number of imports, and give one answer.
STATUS_RANK = {
    "pending": 0,
    "queued": 1,
    "in_progress": 2,
    "inactive": 3,
    "error": 4,
    "failure": 5,
    "success": 6,
}
TERMINAL = frozenset({"error", "failure", "success"})
# GitHub marks an older successful deployment "inactive" when a newer one replaces it: it was
# still deployed, so for the metrics it stays a success.
SUCCESSFUL = frozenset({"success"})


class PayloadError(ValueError):
    """A payload lacks a field or has one Accord cannot read; the message names the field."""


@dataclass(frozen=True)
class Skip:
    """A record that is valid but not taken, with the reason shown in the import summary."""

    reason: str


@dataclass(frozen=True)
class Mapped:
    """One record ready for upsert_records: its external id, field values and linked accounts."""

    external_id: str
    fields: dict[str, Any]
    accounts: dict[str, Account] = field(default_factory=dict)
    # Set on records that point at another record by its external id (a review at its PR).
    parent: str = ""
    repo: str = ""


@dataclass(frozen=True)
class StatusUpdate:
    """One deployment status: which deployment, what state, and when."""

    deployment: str
    state: str
    at: dt.datetime


# -- small readers ---------------------------------------------------------------------------


def _text(payload: Payload, key: str, *, required: bool = False, limit: int = 0) -> str:
    value = payload.get(key)
    if value is None:
        if required:
            raise PayloadError(f"'{key}' is missing")
        return ""
    if not isinstance(value, str | int):
        raise PayloadError(f"'{key}' is not text")
    text = str(value)
    return text[:limit] if limit else text


def parse_time(value: Any, key: str, *, required: bool = False) -> dt.datetime | None:
    """An ISO 8601 time with its offset ('2018-07-25T08:19:30Z'); None when empty."""
    if value in (None, ""):
        if required:
            raise PayloadError(f"'{key}' is missing (expected a time like 2024-05-01T12:00:00Z)")
        return None
    if not isinstance(value, str):
        raise PayloadError(f"'{key}' is not a time (expected ISO 8601 like 2024-05-01T12:00:00Z)")
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise PayloadError(
            f"'{key}' is not a time: {value!r} (expected ISO 8601 like 2024-05-01T12:00:00Z)"
        ) from None
    if parsed.tzinfo is None:
        raise PayloadError(f"'{key}' has no time zone: {value!r} (expected an offset or Z)")
    return parsed


def _required_time(payload: Payload, key: str) -> dt.datetime:
    value = parse_time(payload.get(key), key, required=True)
    assert value is not None
    return value


def _number(payload: Payload, key: str) -> int:
    value = payload.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise PayloadError(f"'{key}' is missing or not a whole number")
    return value


def _count(payload: Payload, key: str) -> int | None:
    value = payload.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise PayloadError(f"'{key}' is not a count")
    return value


def _object(payload: Payload, key: str) -> Payload:
    value = payload.get(key)
    if not isinstance(value, Mapping):
        raise PayloadError(f"'{key}' is missing or not an object")
    return value


def account(user: Any) -> Account | None:
    """A GitHub user object as an account (None for a deleted 'ghost' user)."""
    if not isinstance(user, Mapping) or not user.get("login"):
        return None
    login = str(user["login"])
    return Account(
        external_id=login, name=login, is_bot=is_bot_login(login, str(user.get("type") or ""))
    )


def repo_of_url(url: str) -> str:
    """'owner/name' from a repository API URL such as …/repos/owner/name."""
    match = _REPO_URL.search(url or "")
    return match.group(1) if match else ""


def pull_request_key(repo: str, number: int) -> str:
    """The external id of a pull request (and of an issue: they share GitHub's numbering)."""
    return f"{repo}#{number}"


def key_of_pull_url(url: str) -> str:
    """A PR's external id from its API URL (…/repos/owner/name/pulls/41 → owner/name#41)."""
    match = _PULL_URL.search(url or "")
    if not match:
        raise PayloadError(f"'pull_request_url' does not name a pull request: {url!r}")
    return pull_request_key(match.group(1), int(match.group(2)))


def _labels(payload: Payload) -> list[str]:
    labels = payload.get("labels") or []
    if not isinstance(labels, list):
        raise PayloadError("'labels' is not a list")
    return [str(lb.get("name", "")) if isinstance(lb, Mapping) else str(lb) for lb in labels]


# -- pull requests and reviews ---------------------------------------------------------------

PULL_FIELDS = [
    "repo",
    "number",
    "title",
    "author_id",
    "author_login",
    "state",
    "is_draft",
    "base_branch",
    "created_at",
    "merged_at",
    "closed_at",
    "merge_commit_sha",
    "url",
]
SIZE_FIELDS = ["additions", "deletions", "changed_files"]


def map_pull_request(payload: Payload) -> Mapped:
    """A pull request (list item, single GET or webhook `pull_request`) → PullRequest fields.

    Size fields are only in a single PR's payload; when absent they are left out, so a list
    import does not erase sizes a webhook stored."""
    number = _number(payload, "number")
    base = _object(payload, "base")
    base_repo = base.get("repo")
    repo = str(base_repo.get("full_name") or "") if isinstance(base_repo, Mapping) else ""
    repo = repo or repo_of_url(str(payload.get("url") or "").rsplit("/pulls/", 1)[0])
    if not repo:
        raise PayloadError("'base.repo.full_name' is missing")
    merged_at = parse_time(payload.get("merged_at"), "merged_at")
    state = "merged" if merged_at else _text(payload, "state", required=True)
    author = account(payload.get("user"))
    fields: dict[str, Any] = {
        "repo": repo,
        "number": number,
        "title": _text(payload, "title", limit=TITLE_MAX),
        "author_login": author.external_id if author else "",
        "state": state,
        "is_draft": bool(payload.get("draft")),
        "base_branch": _text(base, "ref"),
        "created_at": _required_time(payload, "created_at"),
        "merged_at": merged_at,
        "closed_at": parse_time(payload.get("closed_at"), "closed_at"),
        "merge_commit_sha": _text(payload, "merge_commit_sha"),
        "url": _text(payload, "html_url", limit=URL_MAX),
    }
    if all(k in payload for k in SIZE_FIELDS):
        for key in SIZE_FIELDS:
            fields[key] = _count(payload, key)
    return Mapped(
        external_id=pull_request_key(repo, number),
        fields=fields,
        accounts={"author_id": author} if author else {},
        repo=repo,
    )


REVIEW_FIELDS = ["pull_request_id", "reviewer_id", "reviewer_login", "is_bot", "state"]
REVIEW_FIELDS += ["submitted_at", "url"]


def map_review(payload: Payload) -> Mapped:
    """A review from …/pulls/{n}/reviews (or a webhook's `review`) → PullRequestReview fields."""
    review_id = _number(payload, "id")
    parent = key_of_pull_url(_text(payload, "pull_request_url", required=True))
    reviewer = account(payload.get("user"))
    return Mapped(
        external_id=str(review_id),
        fields={
            "reviewer_login": reviewer.external_id if reviewer else "",
            "is_bot": reviewer.is_bot if reviewer else False,
            "state": _text(payload, "state").upper()[:30],
            "submitted_at": parse_time(payload.get("submitted_at"), "submitted_at"),
            "url": _text(payload, "html_url", limit=URL_MAX),
        },
        accounts={"reviewer_id": reviewer} if reviewer else {},
        parent=parent,
        repo=parent.split("#", 1)[0],
    )


def map_review_comment(payload: Payload) -> Mapped:
    """A review comment from …/pulls/comments (a line comment in a review) → a COMMENTED review."""
    comment_id = _number(payload, "id")
    parent = key_of_pull_url(_text(payload, "pull_request_url", required=True))
    reviewer = account(payload.get("user"))
    return Mapped(
        external_id=f"comment-{comment_id}",
        fields={
            "reviewer_login": reviewer.external_id if reviewer else "",
            "is_bot": reviewer.is_bot if reviewer else False,
            "state": "COMMENTED",
            "submitted_at": _required_time(payload, "created_at"),
            "url": _text(payload, "html_url", limit=URL_MAX),
        },
        accounts={"reviewer_id": reviewer} if reviewer else {},
        parent=parent,
        repo=parent.split("#", 1)[0],
    )


@dataclass(frozen=True)
class ReviewFact:
    """What first_review_at needs to know about one review."""

    login: str
    is_bot: bool
    state: str
    submitted_at: dt.datetime | None


def first_review_at(author_login: str, reviews: Iterable[ReviewFact]) -> dt.datetime | None:
    """The first review or review comment by someone other than the author, bots excluded.

    A pending review (not yet submitted) has not reached the author, so it does not count."""
    times = [
        r.submitted_at
        for r in reviews
        if r.submitted_at is not None
        and r.state != "PENDING"
        and not r.is_bot
        and not is_bot_login(r.login)
        and (r.login.lower() != author_login.lower() or not author_login)
    ]
    return min(times) if times else None


# -- deployments, statuses, releases, workflow runs ------------------------------------------

DEPLOYMENT_FIELDS = ["environment", "is_production", "started_at", "commit_sha", "version", "url"]
DEPLOYMENT_STATUS_FIELDS = ["status", "finished_at"]


def _matches(value: str, pattern: str) -> bool:
    return fnmatch.fnmatchcase(value.casefold(), pattern.casefold())


def is_production_environment(
    environment: str, rule: Mapping[str, Any], flagged: bool | None = None
) -> bool:
    """Whether a deployment environment is production under the data source's deployment rule."""
    pattern = rule.get("environment_pattern")
    if pattern:
        return _matches(environment, str(pattern))
    if flagged is not None:
        return flagged
    return environment.casefold() in {"production", "prod"}


def map_deployment(payload: Payload, rule: Mapping[str, Any]) -> Mapped:
    """A deployment from …/deployments → Deployment fields (its status comes from statuses)."""
    deployment_id = _number(payload, "id")
    environment = _text(payload, "environment", required=True)[:100]
    flagged = payload.get("production_environment")
    return Mapped(
        external_id=f"deployment-{deployment_id}",
        fields={
            "environment": environment,
            "is_production": is_production_environment(
                environment, rule, flagged if isinstance(flagged, bool) else None
            ),
            "started_at": _required_time(payload, "created_at"),
            "commit_sha": _text(payload, "sha")[:64],
            "version": _text(payload, "ref", limit=200),
            "url": "",
        },
        repo=repo_of_url(_text(payload, "repository_url")),
    )


def map_deployment_status(payload: Payload) -> StatusUpdate:
    """A deployment status from …/deployments/{id}/statuses → which deployment, state, when."""
    url = _text(payload, "deployment_url", required=True)
    match = _DEPLOYMENT_URL.search(url)
    if not match:
        raise PayloadError(f"'deployment_url' does not name a deployment: {url!r}")
    state = _text(payload, "state", required=True).lower()
    if state not in STATUS_RANK:
        raise PayloadError(f"'state' is {state!r} (expected one of {', '.join(STATUS_RANK)})")
    return StatusUpdate(
        deployment=f"deployment-{match.group(1)}",
        state=state,
        at=_required_time(payload, "created_at"),
    )


def merge_status(
    current: tuple[str, dt.datetime | None], updates: Iterable[StatusUpdate]
) -> tuple[str, dt.datetime | None]:
    """The furthest status of a deployment and, when it is final, when it was reached first.

    Order-independent: the same statuses give the same answer in any order and any grouping."""
    best_state, best_at = current
    for update in updates:
        new_rank = STATUS_RANK.get(update.state, -1)
        old_rank = STATUS_RANK.get(best_state, -1)
        at = update.at if update.state in TERMINAL else None
        if new_rank > old_rank:
            best_state, best_at = update.state, at
        elif new_rank == old_rank and at is not None and (best_at is None or at < best_at):
            best_at = at
    return best_state, best_at


def map_release(payload: Payload, rule: Mapping[str, Any]) -> Mapped | Skip:
    """A release → a production deployment when the deployment rule counts releases."""
    release_id = _number(payload, "id")
    tag = _text(payload, "tag_name", required=True)
    if not rule.get("releases"):
        return Skip("the deployment rule does not count releases")
    if payload.get("draft"):
        return Skip("a draft release is not deployed")
    published = parse_time(payload.get("published_at"), "published_at")
    created = _required_time(payload, "created_at")
    target = _text(payload, "target_commitish")
    is_sha = re.fullmatch(r"[0-9a-f]{40}", target) is not None
    return Mapped(
        external_id=f"release-{release_id}",
        fields={
            "environment": "release",
            "is_production": not payload.get("prerelease"),
            "started_at": created,
            "finished_at": published or created,
            "status": "success",
            "commit_sha": target if is_sha else "",
            "version": tag[:200],
            "url": _text(payload, "html_url", limit=URL_MAX),
        },
        repo=repo_of_url(_text(payload, "url").split("/releases/", 1)[0]),
    )


def map_workflow_run(payload: Payload, rule: Mapping[str, Any]) -> Mapped | Skip:
    """A workflow run → a production deployment when it is a run of the rule's workflow.

    Runs of that workflow are stored whatever their outcome (a re-run can turn a failure into
    a success); only those with status 'success' count as deployments."""
    run_id = _number(payload, "id")
    name = _text(payload, "name")
    workflow = str(rule.get("workflow") or "")
    if not workflow:
        return Skip("the deployment rule names no workflow")
    if not _matches(name, workflow):
        return Skip(f"workflow “{name}” is not the deployment workflow “{workflow}”")
    branch = str(rule.get("branch") or "")
    head_branch = _text(payload, "head_branch")
    if branch and not _matches(head_branch, branch):
        return Skip(f"run on branch “{head_branch}”, not the deployment branch “{branch}”")
    status = _text(payload, "status").lower()
    conclusion = _text(payload, "conclusion").lower()
    # Real payloads carry odd casings ("COMPLETED") and conclusions in the status field.
    outcome = conclusion or ("" if status in {"completed", ""} else status) or "pending"
    started = parse_time(payload.get("run_started_at"), "run_started_at")
    created = _required_time(payload, "created_at")
    finished = parse_time(payload.get("updated_at"), "updated_at") if conclusion else None
    return Mapped(
        external_id=f"run-{run_id}",
        fields={
            "environment": str(rule.get("environment") or "production")[:100],
            "is_production": True,
            "started_at": started or created,
            "finished_at": finished,
            "status": outcome[:30],
            "commit_sha": _text(payload, "head_sha")[:64],
            "version": f"{name} #{payload.get('run_number', run_id)}"[:200],
            "url": _text(payload, "html_url", limit=URL_MAX),
        },
        repo=_repo_name(payload),
    )


def _repo_name(payload: Payload) -> str:
    repository = payload.get("repository")
    if isinstance(repository, Mapping):
        return str(repository.get("full_name") or "")
    return ""


RUN_FIELDS = [*DEPLOYMENT_FIELDS, *DEPLOYMENT_STATUS_FIELDS]


# -- incidents -------------------------------------------------------------------------------

INCIDENT_FIELDS = ["title", "severity", "started_at", "resolved_at", "url"]


def map_issue(payload: Payload, rule: Mapping[str, Any]) -> Mapped | Skip:
    """An issue → an incident when it has one of the incident rule's labels.

    Pull requests appear in the issues list too (with a `pull_request` key); they are skipped."""
    number = _number(payload, "number")
    if "pull_request" in payload:
        return Skip("a pull request in the issues list")
    repo = repo_of_url(_text(payload, "repository_url")) or _repo_name(payload)
    if not repo:
        raise PayloadError("'repository_url' is missing")
    labels = _labels(payload)
    wanted = {str(lb).casefold() for lb in rule.get("labels") or []}
    if not wanted:
        return Skip("the incident rule names no labels")
    if not wanted & {lb.casefold() for lb in labels}:
        return Skip("no incident label")
    severity = ""
    for label in labels:
        match = _SEVERITY_LABEL.match(label)
        if match:
            severity = match.group(1).strip()[:50]
            break
    closed = parse_time(payload.get("closed_at"), "closed_at")
    return Mapped(
        external_id=pull_request_key(repo, number),
        fields={
            "title": _text(payload, "title", limit=TITLE_MAX),
            "severity": severity,
            "started_at": _required_time(payload, "created_at"),
            "resolved_at": closed if payload.get("state") == "closed" else None,
            "url": _text(payload, "html_url", limit=URL_MAX),
        },
        repo=repo,
    )


def attributed_deployment(
    started_at: dt.datetime, deployments: Sequence[tuple[dt.datetime, int]]
) -> int | None:
    """The latest deployment at or before `started_at`; `deployments` is sorted by time, id."""
    index = bisect.bisect_right(deployments, (started_at, float("inf")))
    return deployments[index - 1][1] if index else None
