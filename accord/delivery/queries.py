"""Reads of delivery data that the web pages and the API share, always through the policy.

Record lists are scoped to one engagement's data sources and name their joins, so a page costs
the same few queries whatever its length.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Count,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accord.accounts import policy
from accord.accounts.policy import AnyUser
from accord.delivery.models import (
    Affiliation,
    AffiliationRule,
    Commit,
    DataSource,
    Deployment,
    Incident,
    Person,
    PersonIdentity,
    PullRequest,
    SourceStatus,
    SyncRun,
    WorkItem,
)
from accord.engagements.models import Engagement


def sources_for(user: AnyUser, engagement: Engagement) -> QuerySet[DataSource]:
    """The engagement's data sources with their latest run and unmapped-status count."""
    latest = SyncRun.objects.filter(data_source=OuterRef("pk")).order_by("-created_at", "-id")
    return (
        policy.visible_data_sources(user)
        .filter(engagement=engagement)
        .annotate(
            last_run_status=Subquery(latest.values("status")[:1]),
            last_run_at=Subquery(latest.values("created_at")[:1]),
            last_run_error=Subquery(latest.values("error")[:1]),
            unmapped_count=Count(
                "statuses",
                filter=Q(statuses__resolution=SourceStatus.Resolution.UNRESOLVED),
            ),
        )
        .order_by("name", "id")
    )


def source_for(user: AnyUser, engagement: Engagement, pk: int) -> DataSource:
    """One data source of the engagement the user may see; Http404 otherwise."""
    return get_object_or_404(
        policy.visible_data_sources(user)
        .filter(engagement=engagement)
        .select_related("engagement__vendor"),
        pk=pk,
    )


def runs_for(source: DataSource) -> QuerySet[SyncRun]:
    """The source's runs, newest first, with who asked for them."""
    return source.runs.select_related("requested_by").order_by("-created_at", "-id")


def visible_runs(user: AnyUser) -> QuerySet[SyncRun]:
    """Runs of every data source the user may see."""
    return SyncRun.objects.filter(data_source__in=policy.visible_data_sources(user)).select_related(
        "data_source", "requested_by"
    )


def statuses_for(source: DataSource) -> list[SourceStatus]:
    """The statuses seen in the source, unmapped ones first, then by name."""
    rows = list(source.statuses.order_by("name", "external_id"))
    unresolved = SourceStatus.Resolution.UNRESOLVED
    return sorted(rows, key=lambda s: (s.resolution != unresolved, s.name.casefold()))


def record_counts(source: DataSource) -> dict[str, int]:
    """How many records of each kind the source brought in (for the delete confirmation)."""
    return {
        "work items": WorkItem.objects.filter(data_source=source).count(),
        "pull requests": PullRequest.objects.filter(data_source=source).count(),
        "deployments": Deployment.objects.filter(data_source=source).count(),
        "incidents": Incident.objects.filter(data_source=source).count(),
        "commits": Commit.objects.filter(data_source=source).count(),
    }


# --- Records ------------------------------------------------------------------------------------


# Record queries take an engagement (its sources) or a queryset of sources (the API: every
# source the caller may see).
Scope = Engagement | QuerySet[DataSource]


def _engagement_sources(scope: Scope) -> QuerySet[DataSource]:
    if isinstance(scope, Engagement):
        return DataSource.objects.filter(engagement=scope)
    return scope


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _day_after(day: dt.date) -> dt.datetime:
    return _day_start(day + dt.timedelta(days=1))


def _in_range(field: str, start: dt.date | None, end: dt.date | None) -> Q:
    """Whole days from `start` to `end` inclusive, in the current time zone."""
    q = Q()
    if start:
        q &= Q(**{f"{field}__gte": _day_start(start)})
    if end:
        q &= Q(**{f"{field}__lt": _day_after(end)})
    return q


@dataclass(frozen=True)
class WorkItemFilters:
    source: int | None = None
    category: str = ""
    item_type: str = ""
    assignee: int | None = None
    search: str = ""
    done_from: dt.date | None = None
    done_to: dt.date | None = None


def work_items(engagement: Scope, filters: WorkItemFilters) -> QuerySet[WorkItem]:
    """The engagement's work items, filtered, most recently created first."""
    items = WorkItem.objects.filter(data_source__in=_engagement_sources(engagement))
    if filters.source:
        items = items.filter(data_source_id=filters.source)
    if filters.category:
        items = items.filter(status_category=filters.category)
    if filters.item_type:
        items = items.filter(item_type=filters.item_type)
    if filters.assignee:
        items = items.filter(assignee_id=filters.assignee)
    if filters.search.strip():
        text = filters.search.strip()
        items = items.filter(Q(key__icontains=text) | Q(title__icontains=text))
    items = items.filter(_in_range("done_at", filters.done_from, filters.done_to))
    return items.select_related("assignee", "data_source").order_by("-created_at", "-id")


def item_types(engagement: Scope) -> list[str]:
    """The work item types in the engagement's data, for the filter."""
    return sorted(
        WorkItem.objects.filter(data_source__in=_engagement_sources(engagement))
        .exclude(item_type="")
        .order_by()
        .values_list("item_type", flat=True)
        .distinct()
    )


def assignees(engagement: Scope) -> QuerySet[Person]:
    """People who have work items of the engagement assigned, for the filter."""
    assigned = WorkItem.objects.filter(
        data_source__in=_engagement_sources(engagement), assignee__isnull=False
    ).values("assignee_id")
    return Person.objects.filter(pk__in=assigned).order_by("display_name", "id")


@dataclass(frozen=True)
class PullRequestFilters:
    source: int | None = None
    repo: str = ""
    author: str = ""
    # open, closed (closed without merging) or merged, whatever the source calls the state
    state: str = ""
    merged_from: dt.date | None = None
    merged_to: dt.date | None = None


def pull_requests(engagement: Scope, filters: PullRequestFilters) -> QuerySet[PullRequest]:
    """The engagement's pull requests, filtered, newest first."""
    prs = PullRequest.objects.filter(data_source__in=_engagement_sources(engagement))
    if filters.source:
        prs = prs.filter(data_source_id=filters.source)
    if filters.repo:
        prs = prs.filter(repo=filters.repo)
    if filters.author.strip():
        text = filters.author.strip()
        prs = prs.filter(Q(author_login__icontains=text) | Q(author__display_name__icontains=text))
    if filters.state == "merged":
        prs = prs.filter(merged_at__isnull=False)
    elif filters.state == "closed":
        prs = prs.filter(state="closed", merged_at__isnull=True)
    elif filters.state:
        prs = prs.filter(state=filters.state)
    prs = prs.filter(_in_range("merged_at", filters.merged_from, filters.merged_to))
    return prs.select_related("author", "data_source").order_by("-created_at", "-id")


def repos(engagement: Scope) -> list[str]:
    """Repositories with pull requests or commits in the engagement's data."""
    sources = _engagement_sources(engagement)
    names = set(
        PullRequest.objects.filter(data_source__in=sources)
        .order_by()
        .values_list("repo", flat=True)
        .distinct()
    )
    names |= set(
        Commit.objects.filter(data_source__in=sources)
        .exclude(repo="")
        .order_by()
        .values_list("repo", flat=True)
        .distinct()
    )
    return sorted(names)


@dataclass(frozen=True)
class DeploymentFilters:
    source: int | None = None
    environment: str = ""
    production_only: bool = False
    status: str = ""


def deployments(engagement: Scope, filters: DeploymentFilters) -> QuerySet[Deployment]:
    """The engagement's deployments, filtered, latest first."""
    rows = Deployment.objects.filter(data_source__in=_engagement_sources(engagement))
    if filters.source:
        rows = rows.filter(data_source_id=filters.source)
    if filters.environment:
        rows = rows.filter(environment=filters.environment)
    if filters.production_only:
        rows = rows.filter(is_production=True)
    if filters.status:
        rows = rows.filter(status=filters.status)
    return (
        rows.select_related("data_source")
        .annotate(incident_count=Count("incidents"))
        .order_by("-started_at", "-id")
    )


def environments(engagement: Scope) -> list[str]:
    """Deployment environments in the engagement's data, for the filter."""
    return sorted(
        Deployment.objects.filter(data_source__in=_engagement_sources(engagement))
        .order_by()
        .values_list("environment", flat=True)
        .distinct()
    )


@dataclass(frozen=True)
class IncidentFilters:
    source: int | None = None
    open_only: bool = False
    started_from: dt.date | None = None
    started_to: dt.date | None = None


def incidents(engagement: Scope, filters: IncidentFilters) -> QuerySet[Incident]:
    """The engagement's incidents, filtered, latest first, with their attributed deployment."""
    rows = Incident.objects.filter(data_source__in=_engagement_sources(engagement))
    if filters.source:
        rows = rows.filter(data_source_id=filters.source)
    if filters.open_only:
        rows = rows.filter(resolved_at__isnull=True)
    rows = rows.filter(_in_range("started_at", filters.started_from, filters.started_to))
    return rows.select_related("data_source", "deployment").order_by("-started_at", "-id")


@dataclass(frozen=True)
class CommitFilters:
    source: int | None = None
    repo: str = ""
    author: str = ""
    committed_from: dt.date | None = None
    committed_to: dt.date | None = None


def commits(engagement: Scope, filters: CommitFilters) -> QuerySet[Commit]:
    """The engagement's commits, filtered, latest first."""
    rows = Commit.objects.filter(data_source__in=_engagement_sources(engagement))
    if filters.source:
        rows = rows.filter(data_source_id=filters.source)
    if filters.repo:
        rows = rows.filter(repo=filters.repo)
    if filters.author.strip():
        text = filters.author.strip()
        rows = rows.filter(Q(author_name__icontains=text) | Q(author_email__icontains=text))
    rows = rows.filter(_in_range("committed_at", filters.committed_from, filters.committed_to))
    return rows.select_related("data_source", "author").order_by("-committed_at", "-id")


# --- People -------------------------------------------------------------------------------------


def people_for(user: AnyUser, *, search: str = "", organization: int | None = None) -> Any:
    """People the user may see, with identities and affiliations prefetched."""
    people = policy.visible_people(user)
    if search.strip():
        text = search.strip()
        people = people.filter(
            Q(display_name__icontains=text)
            | Q(email__icontains=text)
            | Q(identities__external_id__icontains=text)
        ).distinct()
    if organization:
        people = people.filter(affiliations__organization_id=organization).distinct()
    return people.order_by("display_name", "id").prefetch_related(
        Prefetch("identities", queryset=PersonIdentity.objects.order_by("source_kind", "id")),
        Prefetch(
            "affiliations",
            queryset=Affiliation.objects.select_related("organization").order_by(
                F("valid_from").asc(nulls_first=True), "id"
            ),
        ),
    )


def person_for(user: AnyUser, pk: int) -> Person:
    """One person the user may see; Http404 otherwise."""
    return get_object_or_404(policy.visible_people(user), pk=pk)


def affiliations_of(person: Person) -> QuerySet[Affiliation]:
    """A person's affiliations in time order (open start first)."""
    return person.affiliations.select_related("organization").order_by(
        F("valid_from").asc(nulls_first=True), "id"
    )


def affiliation_rules() -> QuerySet[AffiliationRule]:
    """Every email-domain rule with its organization."""
    return AffiliationRule.objects.select_related("organization").order_by("domain")
