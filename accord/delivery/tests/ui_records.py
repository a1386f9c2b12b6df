"""Small builders of delivery records for the view, API and people tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse

from accord.delivery.models import (
    Commit,
    DataSource,
    Deployment,
    Incident,
    Person,
    PullRequest,
    WorkItem,
)
from accord.engagements.models import Engagement
from tests.samples import sample_data_dir

UTC = dt.UTC
DATA = sample_data_dir()
SECRET_TOKEN = "ghp_Sup3rSecretTokenValue9876"


def at(day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, 0, tzinfo=UTC)


def source(engagement: Engagement, kind: str = "github", name: str = "GitHub", **kw: Any) -> Any:
    return DataSource.objects.create(engagement=engagement, kind=kind, name=name, **kw)


def source_url(name: str, src: DataSource) -> str:
    """The URL of one of a source's pages, `name` in the delivery namespace."""
    return reverse(f"delivery:{name}", args=[src.engagement.slug, src.pk])


def work_item(src: DataSource, n: int, **kw: Any) -> WorkItem:
    values: dict[str, Any] = {
        "key": f"PAY-{n}",
        "title": f"Item {n}",
        "status": "Open",
        "created_at": at(1),
        "url": f"https://tracker.invalid/browse/PAY-{n}",
    }
    values.update(kw)
    return WorkItem.objects.create(data_source=src, external_id=str(n), **values)


def pull_request(src: DataSource, n: int, **kw: Any) -> PullRequest:
    values: dict[str, Any] = {
        "repo": "acme/payments",
        "number": n,
        "title": f"Change {n}",
        "state": "open",
        "created_at": at(2),
        "url": f"https://code.invalid/acme/payments/pull/{n}",
    }
    values.update(kw)
    return PullRequest.objects.create(data_source=src, external_id=str(n), **values)


def deployment(src: DataSource, n: int, **kw: Any) -> Deployment:
    values: dict[str, Any] = {
        "environment": "production",
        "status": "success",
        "is_production": True,
        "started_at": at(3),
        "finished_at": at(3, 10),
        "version": f"v1.{n}",
    }
    values.update(kw)
    return Deployment.objects.create(data_source=src, external_id=str(n), **values)


def incident(src: DataSource, n: int, **kw: Any) -> Incident:
    values: dict[str, Any] = {"title": f"Outage {n}", "started_at": at(4)}
    values.update(kw)
    return Incident.objects.create(data_source=src, external_id=str(n), **values)


def commit(src: DataSource, n: int, **kw: Any) -> Commit:
    values: dict[str, Any] = {
        "repo": "acme/payments",
        "author_name": "Ada",
        "author_email": "ada@acme.invalid",
        "authored_at": at(5),
        "committed_at": at(5),
        "summary": f"Commit {n}",
    }
    values.update(kw)
    return Commit.objects.create(data_source=src, external_id=f"{n:040x}", **values)


def person(name: str, email: str = "") -> Person:
    return Person.objects.create(display_name=name, email=email)
