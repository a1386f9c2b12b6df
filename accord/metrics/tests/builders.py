"""A tiny builder for hand-made delivery data: work items with their status history, sprints,
pull requests with reviews, deployments and incidents, and people with dated affiliations.

Derived facts are computed by delivery's own derivations, exactly as an import would:

    data = Delivery(engagement)
    data.item("A-1", created=at(1), moves=[(at(2), "In Progress"), (at(5), "Done")])
    data.finish()
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.utils import timezone

from accord.accounts.models import Organization
from accord.delivery.actions import derive_work_item_facts
from accord.delivery.actions.derived import attribute_incidents, derive_first_review_at
from accord.delivery.models import (
    Affiliation,
    DataSource,
    Deployment,
    Incident,
    Person,
    PullRequest,
    PullRequestReview,
    SourceStatus,
    Sprint,
    SprintMembership,
    StatusChange,
    WorkItem,
)

UTC = dt.UTC
# The statuses the builder knows, with their categories (a data source's resolved statuses).
STATUSES = {
    "To Do": "todo",
    "In Progress": "in_progress",
    "Blocked": "in_progress",
    "Waiting for review": "in_progress",
    "Review": "in_progress",
    "Done": "done",
    "Released": "done",
    "Cancelled": "cancelled",
}


def at(day: int, hour: float = 0, *, month: int = 3, year: int = 2026) -> dt.datetime:
    """An aware UTC moment: `day` of `month` plus `hour` hours (fractions allowed)."""
    return dt.datetime(year, month, day, tzinfo=UTC) + dt.timedelta(hours=hour)


def month_start(months_back: int) -> dt.datetime:
    """The first moment (UTC) of the month `months_back` months before the current one."""
    now = timezone.now()
    index = now.year * 12 + now.month - 1 - months_back
    return dt.datetime(index // 12, index % 12 + 1, 1, tzinfo=dt.UTC)


class Delivery:
    """Writes hand-made records for one engagement through one data source."""

    def __init__(self, engagement: Any, *, name: str = "Hand-made", **fields: Any) -> None:
        self.engagement = engagement
        self.source = DataSource.objects.create(
            engagement=engagement, kind=fields.pop("kind", "jira"), name=name, **fields
        )
        SourceStatus.objects.bulk_create(
            SourceStatus(data_source=self.source, external_id=n, name=n, category=c)
            for n, c in STATUSES.items()
        )
        self._items: list[int] = []
        self._prs: list[int] = []
        self._counter = 0

    def _next(self, prefix: str) -> str:
        self._counter += 1
        return f"{prefix}-{self._counter}"

    def person(
        self,
        name: str,
        organization: Organization | None = None,
        *,
        since: dt.date | None = None,
        until: dt.date | None = None,
    ) -> Person:
        """A person, working for `organization` from `since` to `until` (inclusive) if given."""
        person = Person.objects.create(display_name=name, email=f"{name.lower()}@example.com")
        if organization is not None:
            self.affiliate(person, organization, since=since, until=until)
        return person

    def affiliate(
        self,
        person: Person,
        organization: Organization,
        *,
        since: dt.date | None = None,
        until: dt.date | None = None,
    ) -> None:
        Affiliation.objects.create(
            person=person, organization=organization, valid_from=since, valid_until=until
        )

    def item(
        self,
        key: str,
        *,
        created: dt.datetime,
        moves: Sequence[tuple[dt.datetime, str]] = (),
        first: str = "To Do",
        item_type: str = "Story",
        points: float | None = None,
        assignee: Person | None = None,
        epic: str = "",
        parent: str = "",
    ) -> WorkItem:
        """A work item created in status `first` that then moved as `moves` say."""
        current = moves[-1][1] if moves else first
        item = WorkItem.objects.create(
            data_source=self.source,
            external_id=key,
            key=key,
            title=f"Item {key}",
            url=f"http://127.0.0.1/browse/{key}",
            item_type=item_type,
            status=current,
            status_id=current,
            status_category=STATUSES[current],
            created_at=created,
            updated_at=moves[-1][0] if moves else created,
            story_points=None if points is None else Decimal(str(points)),
            assignee=assignee,
            epic_key=epic,
            parent_key=parent,
        )
        previous = first
        changes = []
        for index, (when, status) in enumerate(moves):
            changes.append(
                StatusChange(
                    data_source=self.source,
                    external_id=f"{key}/{index}",
                    work_item=item,
                    from_status=previous,
                    from_status_id=previous,
                    from_category=STATUSES[previous],
                    to_status=status,
                    to_status_id=status,
                    to_category=STATUSES[status],
                    changed_at=when,
                )
            )
            previous = status
        StatusChange.objects.bulk_create(changes)
        self._items.append(item.pk)
        return item

    def sprint(
        self,
        name: str,
        *,
        start: dt.datetime,
        complete: dt.datetime | None,
        members: Sequence[tuple[WorkItem, dict[str, Any]]] = (),
    ) -> Sprint:
        """A sprint with memberships given as (item, {in_at_start, in_at_close, added_at,
        removed_at}); planned items (in at start and close) by default."""
        sprint = Sprint.objects.create(
            data_source=self.source,
            external_id=self._next("sprint"),
            name=name,
            state="closed" if complete else "active",
            start_at=start,
            end_at=complete,
            complete_at=complete,
        )
        SprintMembership.objects.bulk_create(
            SprintMembership(
                sprint=sprint,
                work_item=item,
                in_at_start=flags.get("in_at_start", True),
                in_at_close=flags.get("in_at_close", True),
                added_at=flags.get("added_at"),
                removed_at=flags.get("removed_at"),
            )
            for item, flags in members
        )
        return sprint

    def pull_request(
        self,
        number: int,
        *,
        created: dt.datetime,
        merged: dt.datetime | None = None,
        author: str = "ana",
        person: Person | None = None,
        reviews: Sequence[tuple[str, dt.datetime]] = (),
        bots: Sequence[str] = (),
        additions: int | None = 10,
        deletions: int | None = 0,
        merge_sha: str = "",
        repo: str = "acme/app",
    ) -> PullRequest:
        """A PR with reviews as (login, submitted); logins in `bots` are bots."""
        pr = PullRequest.objects.create(
            data_source=self.source,
            external_id=f"{repo}#{number}",
            url=f"http://127.0.0.1/{repo}/pull/{number}",
            repo=repo,
            number=number,
            title=f"Change {number}",
            author=person,
            author_login=author,
            state="merged" if merged else "open",
            created_at=created,
            merged_at=merged,
            closed_at=merged,
            additions=additions,
            deletions=deletions,
            merge_commit_sha=merge_sha,
        )
        PullRequestReview.objects.bulk_create(
            PullRequestReview(
                data_source=self.source,
                external_id=f"{repo}#{number}/review/{index}",
                pull_request=pr,
                reviewer_login=login,
                is_bot=login in bots,
                state="COMMENTED",
                submitted_at=when,
            )
            for index, (login, when) in enumerate(reviews)
        )
        self._prs.append(pr.pk)
        return pr

    def deployment(
        self,
        finished: dt.datetime,
        *,
        production: bool = True,
        status: str = "success",
        sha: str = "",
        environment: str = "",
    ) -> Deployment:
        return Deployment.objects.create(
            data_source=self.source,
            external_id=self._next("deploy"),
            environment=environment or ("production" if production else "staging"),
            status=status,
            is_production=production,
            started_at=finished - dt.timedelta(minutes=10),
            finished_at=finished,
            commit_sha=sha,
        )

    def incident(self, started: dt.datetime, resolved: dt.datetime | None = None) -> Incident:
        return Incident.objects.create(
            data_source=self.source,
            external_id=self._next("incident"),
            title=f"Incident at {started:%d %b %H:%M}",
            started_at=started,
            resolved_at=resolved,
        )

    def finish(self) -> Delivery:
        """Derive what delivery derives on import: item facts, first reviews, incident links."""
        derive_work_item_facts(self._items)
        derive_first_review_at(self._prs)
        attribute_incidents(engagement_id=self.engagement.pk)
        return self
