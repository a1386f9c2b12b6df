"""GitHub payloads for tests: the recorded samples in ../shared/data/github, and, for the kinds
no sample was recorded of (deployments and their statuses, releases, issues), payloads in the
exact shape GitHub's REST reference documents, with the fields Accord reads."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from tests.samples import sample_data_dir

DATA = sample_data_dir() / "github"
PULLS = DATA / "panjf2000-ants-pulls.json"
REVIEWS = DATA / "panjf2000-ants-reviews.json"
RUNS = DATA / "panjf2000-ants-workflow-runs.json"
API = "https://github.example/api/v3/repos/octo-org/payments"
REPO = {"id": 1296269, "name": "payments", "full_name": "octo-org/payments"}
USER = {"login": "octocat", "id": 1, "type": "User"}


@cache
def _load(path: Path) -> Any:
    return json.loads(path.read_text())


def sample(path: Path) -> Any:
    """A deep copy of one recorded sample file, safe to change in a test."""
    return copy.deepcopy(_load(path))


def pull(number: int) -> dict[str, Any]:
    """The first recorded pull request with this number."""
    return next(p for p in sample(PULLS) if p["number"] == number)


def reviews_of(number: int) -> list[dict[str, Any]]:
    """The recorded reviews of one pull request."""
    return [r for r in sample(REVIEWS) if r["pull_request_url"].endswith(f"/pulls/{number}")]


def deployment(deployment_id: int, environment: str, created_at: str, **extra: Any) -> dict:
    """A deployment as GET /repos/{o}/{r}/deployments lists it."""
    return {
        "url": f"{API}/deployments/{deployment_id}",
        "id": deployment_id,
        "node_id": f"MDEwOkRlcGxveW1lbnQ{deployment_id}",
        "sha": "a84d88e7554fc1fa21bcbc4efae3c782a70d2b9d",
        "ref": "main",
        "task": "deploy",
        "payload": {},
        "original_environment": environment,
        "environment": environment,
        "description": "Deploy request from hubot",
        "creator": USER,
        "created_at": created_at,
        "updated_at": created_at,
        "statuses_url": f"{API}/deployments/{deployment_id}/statuses",
        "repository_url": API,
        "transient_environment": False,
        "production_environment": environment == "production",
        **extra,
    }


def deployment_status(status_id: int, deployment_id: int, state: str, created_at: str) -> dict:
    """A deployment status as GET …/deployments/{id}/statuses lists it."""
    return {
        "url": f"{API}/deployments/{deployment_id}/statuses/{status_id}",
        "id": status_id,
        "node_id": f"MDE2OkRlcGxveW1lbnRTdGF0dXM{status_id}",
        "state": state,
        "creator": USER,
        "description": "Deployment finished successfully.",
        "environment": "production",
        "target_url": "",
        "created_at": created_at,
        "updated_at": created_at,
        "deployment_url": f"{API}/deployments/{deployment_id}",
        "repository_url": API,
        "environment_url": "",
        "log_url": "",
    }


def release(release_id: int, tag: str, published_at: str, **extra: Any) -> dict:
    """A release as GET /repos/{o}/{r}/releases lists it."""
    return {
        "url": f"{API}/releases/{release_id}",
        "html_url": f"https://github.example/octo-org/payments/releases/{tag}",
        "id": release_id,
        "tag_name": tag,
        "target_commitish": "main",
        "name": tag,
        "draft": False,
        "prerelease": False,
        "created_at": published_at,
        "published_at": published_at,
        "author": USER,
        "assets": [],
        **extra,
    }


def issue(number: int, labels: list[str], created_at: str, closed_at: str | None = None) -> dict:
    """An issue as GET /repos/{o}/{r}/issues lists it."""
    return {
        "url": f"{API}/issues/{number}",
        "repository_url": API,
        "html_url": f"https://github.example/octo-org/payments/issues/{number}",
        "id": 1000 + number,
        "number": number,
        "title": f"Payments failing #{number}",
        "user": USER,
        "labels": [{"id": n, "name": name, "color": "f29513"} for n, name in enumerate(labels)],
        "state": "closed" if closed_at else "open",
        "comments": 0,
        "created_at": created_at,
        "updated_at": closed_at or created_at,
        "closed_at": closed_at,
    }
