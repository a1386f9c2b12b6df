"""/api/v1/ records: work items, pull requests, deployments and incidents, read-only and
filtered, of the data sources the caller may see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated

from accord.accounts import policy
from accord.accounts.policy import Perm
from accord.delivery import queries
from accord.delivery.api.common import (
    _ENGAGEMENT,
    _SOURCE,
    RecordPermission,
    _bool,
    _date,
    _int,
    _visible_sources,
)
from accord.delivery.exports import hours as _hours
from accord.delivery.models import (
    Category,
    DataSource,
    Deployment,
    Incident,
    PullRequest,
    WorkItem,
)

# --- Records ------------------------------------------------------------------------------------


class WorkItemSerializer(serializers.ModelSerializer):
    assignee = serializers.CharField(source="assignee.display_name", default=None, read_only=True)
    cycle_time_hours = serializers.SerializerMethodField()
    lead_time_hours = serializers.SerializerMethodField()

    class Meta:
        model = WorkItem
        fields = [
            "id",
            "data_source",
            "external_id",
            "key",
            "title",
            "item_type",
            "status",
            "status_category",
            "created_at",
            "updated_at",
            "parent_key",
            "epic_key",
            "story_points",
            "assignee",
            "labels",
            "is_incident",
            "started_at",
            "done_at",
            "cycle_time_hours",
            "lead_time_hours",
            "url",
        ]
        read_only_fields = fields

    def get_cycle_time_hours(self, item: WorkItem) -> float | None:
        return _hours(item.cycle_time)

    def get_lead_time_hours(self, item: WorkItem) -> float | None:
        return _hours(item.lead_time)


class PullRequestSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.display_name", default=None, read_only=True)
    pickup_hours = serializers.SerializerMethodField()
    time_to_merge_hours = serializers.SerializerMethodField()

    class Meta:
        model = PullRequest
        fields = [
            "id",
            "data_source",
            "external_id",
            "repo",
            "number",
            "title",
            "author",
            "author_login",
            "state",
            "is_draft",
            "base_branch",
            "created_at",
            "first_review_at",
            "merged_at",
            "closed_at",
            "pickup_hours",
            "time_to_merge_hours",
            "additions",
            "deletions",
            "changed_files",
            "url",
        ]
        read_only_fields = fields

    def get_pickup_hours(self, pr: PullRequest) -> float | None:
        return _hours(pr.first_review_at - pr.created_at) if pr.first_review_at else None

    def get_time_to_merge_hours(self, pr: PullRequest) -> float | None:
        return _hours(pr.merged_at - pr.created_at) if pr.merged_at else None


class DeploymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Deployment
        fields = [
            "id",
            "data_source",
            "external_id",
            "environment",
            "status",
            "is_production",
            "started_at",
            "finished_at",
            "commit_sha",
            "version",
            "url",
        ]
        read_only_fields = fields


class IncidentSerializer(serializers.ModelSerializer):
    time_to_restore_hours = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = [
            "id",
            "data_source",
            "external_id",
            "title",
            "severity",
            "started_at",
            "resolved_at",
            "time_to_restore_hours",
            "deployment",
            "url",
        ]
        read_only_fields = fields

    def get_time_to_restore_hours(self, incident: Incident) -> float | None:
        if incident.resolved_at is None:
            return None
        return _hours(incident.resolved_at - incident.started_at)


class _RecordViewSet(viewsets.ReadOnlyModelViewSet):
    """Records of the data sources the caller may see; filters apply to the list."""

    permission_classes = [IsAuthenticated, RecordPermission]
    policy_perms = {"read": Perm.VIEW_ENGAGEMENT}

    def records(self, sources: QuerySet[DataSource]) -> QuerySet[Any]:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet[Any]:
        if self.action == "list":
            sources = _visible_sources(self.request)
        else:
            sources = policy.visible_data_sources(self.request.user)
        return self.records(sources)


_DATE = OpenApiTypes.DATE
PR_STATES = ("open", "closed", "merged")

# The list filters of each kind, as parameters and as parsed from the query string; the export
# (accord.delivery.api.exports) takes the same ones.
WORK_ITEM_PARAMETERS = [
    _SOURCE,
    OpenApiParameter("category", OpenApiTypes.STR, enum=Category.values),
    OpenApiParameter("type", OpenApiTypes.STR, description="Work item type."),
    OpenApiParameter("assignee", OpenApiTypes.INT, description="Person id."),
    OpenApiParameter("search", OpenApiTypes.STR, description="Key or title contains."),
    OpenApiParameter("done_from", _DATE, description="Done on or after this day."),
    OpenApiParameter("done_to", _DATE, description="Done on or before this day."),
]
PULL_REQUEST_PARAMETERS = [
    _SOURCE,
    OpenApiParameter("repo", OpenApiTypes.STR, description="owner/name."),
    OpenApiParameter("author", OpenApiTypes.STR, description="Login or name contains."),
    OpenApiParameter(
        "state", OpenApiTypes.STR, enum=list(PR_STATES), description="closed: without merging."
    ),
    OpenApiParameter("merged_from", _DATE, description="Merged on or after this day."),
    OpenApiParameter("merged_to", _DATE, description="Merged on or before this day."),
]
DEPLOYMENT_PARAMETERS = [
    _SOURCE,
    OpenApiParameter("environment", OpenApiTypes.STR),
    OpenApiParameter("production", OpenApiTypes.BOOL, description="Production only."),
]


def _choice(params: Any, name: str, allowed: list[str] | tuple[str, ...], what: str) -> str:
    value = params.get(name, "")
    if value and value not in allowed:
        raise ValidationError({name: f"“{value}” is not {what}; use {', '.join(allowed)}."})
    return str(value)


def work_item_filters(params: Any) -> queries.WorkItemFilters:
    """The work item filters of a query string (400 for a malformed one)."""
    return queries.WorkItemFilters(
        source=_int(params, "source"),
        category=_choice(params, "category", Category.values, "a category"),
        item_type=params.get("type", ""),
        assignee=_int(params, "assignee"),
        search=params.get("search", ""),
        done_from=_date(params, "done_from"),
        done_to=_date(params, "done_to"),
    )


def pull_request_filters(params: Any) -> queries.PullRequestFilters:
    """The pull request filters of a query string (400 for a malformed one)."""
    return queries.PullRequestFilters(
        source=_int(params, "source"),
        repo=params.get("repo", ""),
        author=params.get("author", ""),
        state=_choice(params, "state", PR_STATES, "a pull request state"),
        merged_from=_date(params, "merged_from"),
        merged_to=_date(params, "merged_to"),
    )


def deployment_filters(params: Any) -> queries.DeploymentFilters:
    """The deployment filters of a query string (400 for a malformed one)."""
    return queries.DeploymentFilters(
        source=_int(params, "source"),
        environment=params.get("environment", ""),
        production_only=_bool(params, "production"),
    )


@extend_schema_view(list=extend_schema(parameters=[_ENGAGEMENT, *WORK_ITEM_PARAMETERS]))
class WorkItemViewSet(_RecordViewSet):
    """Work items with their derived facts (started, done, cycle and lead time)."""

    serializer_class = WorkItemSerializer

    def records(self, sources: QuerySet[DataSource]) -> QuerySet[Any]:
        filters = (
            work_item_filters(self.request.query_params)
            if self.action == "list"
            else queries.WorkItemFilters()
        )
        return queries.work_items(sources, filters)


@extend_schema_view(list=extend_schema(parameters=[_ENGAGEMENT, *PULL_REQUEST_PARAMETERS]))
class PullRequestViewSet(_RecordViewSet):
    """Pull requests with pickup time and time to merge."""

    serializer_class = PullRequestSerializer

    def records(self, sources: QuerySet[DataSource]) -> QuerySet[Any]:
        filters = (
            pull_request_filters(self.request.query_params)
            if self.action == "list"
            else queries.PullRequestFilters()
        )
        return queries.pull_requests(sources, filters)


@extend_schema_view(list=extend_schema(parameters=[_ENGAGEMENT, *DEPLOYMENT_PARAMETERS]))
class DeploymentViewSet(_RecordViewSet):
    """Deployments (GitHub deployments, releases or deploy workflow runs)."""

    serializer_class = DeploymentSerializer

    def records(self, sources: QuerySet[DataSource]) -> QuerySet[Any]:
        filters = (
            deployment_filters(self.request.query_params)
            if self.action == "list"
            else queries.DeploymentFilters()
        )
        return queries.deployments(sources, filters)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            _ENGAGEMENT,
            _SOURCE,
            OpenApiParameter("open", OpenApiTypes.BOOL, description="Unresolved only."),
            OpenApiParameter("started_from", _DATE),
            OpenApiParameter("started_to", _DATE),
        ]
    )
)
class IncidentViewSet(_RecordViewSet):
    """Incidents with the deployment each is attributed to."""

    serializer_class = IncidentSerializer

    def records(self, sources: QuerySet[DataSource]) -> QuerySet[Any]:
        params = self.request.query_params
        filters = (
            queries.IncidentFilters(
                source=_int(params, "source"),
                open_only=_bool(params, "open"),
                started_from=_date(params, "started_from"),
                started_to=_date(params, "started_to"),
            )
            if self.action == "list"
            else queries.IncidentFilters()
        )
        return queries.incidents(sources, filters)
