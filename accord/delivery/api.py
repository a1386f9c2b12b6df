"""/api/v1/ delivery endpoints: data sources (credentials write-only), their runs, imports and
syncs, and the normalized records, all under the access policy.

Vendor users read the sources and records of their own vendor's engagements; credentials,
account names and webhook secrets are only ever returned to those who manage delivery data.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accord.accounts import policy
from accord.accounts.models import User
from accord.accounts.policy import Perm
from accord.delivery import queries
from accord.delivery.actions.sources import (
    create_data_source,
    delete_data_source,
    request_sync,
    update_data_source,
)
from accord.delivery.connectors import supports
from accord.delivery.models import (
    Category,
    DataSource,
    Deployment,
    Incident,
    PullRequest,
    SourceKind,
    SyncRun,
    WorkItem,
)
from accord.delivery.statuses import update_status_mapping
from accord.delivery.uploads import UploadRefused, import_upload
from accord.engagements.models import Engagement
from accord.lib.api import PolicyPermission


def _actor(request: Request) -> User:
    assert isinstance(request.user, User)
    return request.user


def _hours(value: dt.timedelta | None) -> float | None:
    return round(value.total_seconds() / 3600, 2) if value is not None else None


ERROR = inline_serializer("DeliveryError", fields={"detail": serializers.CharField()})


# --- Data sources -------------------------------------------------------------------------------


class VisibleEngagementField(serializers.PrimaryKeyRelatedField):
    default_error_messages = {
        "required": "Give the id of the engagement the source belongs to.",
        "does_not_exist": "There is no engagement with id {pk_value} that you may use; "
        "see /api/v1/engagements/ for the ids.",
        "incorrect_type": "The engagement must be given by its id, a whole number.",
    }

    def get_queryset(self) -> QuerySet[Engagement]:
        return policy.visible_engagements(self.context["request"].user)


class DataSourceSerializer(serializers.ModelSerializer):
    engagement = VisibleEngagementField()
    token = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        trim_whitespace=True,
        help_text="Write-only. An empty string removes the stored token.",
    )
    username = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="Write-only: Jira account email or Trello API key.",
    )
    account = serializers.SerializerMethodField(
        help_text="The account name (managers and admins only)."
    )
    token_hint = serializers.SerializerMethodField(
        help_text="The stored token's last four characters (managers and admins only)."
    )
    webhook_secret = serializers.SerializerMethodField(
        help_text="The secret webhooks are signed with (managers and admins only)."
    )
    webhook_path = serializers.SerializerMethodField(help_text="Where the service posts webhooks.")

    class Meta:
        model = DataSource
        fields = [
            "id",
            "engagement",
            "kind",
            "name",
            "scope",
            "username",
            "token",
            "account",
            "token_hint",
            "webhook_path",
            "webhook_secret",
            "status_mapping",
            "active_statuses",
            "incident_rule",
            "deployment_rule",
            "sync_enabled",
            "sync_interval_minutes",
            "last_synced_at",
            "created_at",
        ]
        read_only_fields = ["last_synced_at", "created_at"]

    def _manages(self, source: DataSource) -> bool:
        return policy.can(self.context["request"].user, Perm.MANAGE_DELIVERY, source)

    def get_account(self, source: DataSource) -> str | None:
        return source.username if self._manages(source) else None

    def get_token_hint(self, source: DataSource) -> str | None:
        return source.token_hint if self._manages(source) else None

    def get_webhook_secret(self, source: DataSource) -> str | None:
        return source.webhook_secret if self._manages(source) else None

    def get_webhook_path(self, source: DataSource) -> str:
        from django.urls import reverse

        return reverse("delivery:webhook", args=[source.pk])

    def validate_status_mapping(self, value: Any) -> dict[str, str]:
        if not isinstance(value, dict):
            raise ValidationError("Give the mapping as an object: {status name: category}.")
        for name, category in value.items():
            if category not in Category.values:
                raise ValidationError(
                    f"“{category}” is not a category for status “{name}”; use one of "
                    + ", ".join(Category.values)
                    + "."
                )
        return {str(k): str(v) for k, v in value.items()}

    def validate_active_statuses(self, value: Any) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValidationError("Give the active statuses as a list of status names.")
        return value

    def _object(self, name: str, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise ValidationError(f"Give the {name} as a JSON object.")
        return value

    def validate_scope(self, value: Any) -> dict[str, Any]:
        return self._object("scope", value)

    def validate_incident_rule(self, value: Any) -> dict[str, Any]:
        return self._object("incident rule", value)

    def validate_deployment_rule(self, value: Any) -> dict[str, Any]:
        return self._object("deployment rule", value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None:
            for fixed in ("engagement", "kind"):
                if fixed in attrs and attrs[fixed] != getattr(self.instance, fixed):
                    raise ValidationError({fixed: f"The {fixed} of a data source cannot change."})
        return attrs


class DataSourcePermission(PolicyPermission):
    """The policy, with MANAGE_DELIVERY for syncing and importing."""

    def _perm(self, view: Any) -> Any:
        if getattr(view, "action", None) in {"sync", "import_file"}:
            return Perm.MANAGE_DELIVERY
        return super()._perm(view)


class ImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="A JSON or CSV file, or a .zip of pages (Jira, GitHub) — what `accord import` "
        "takes."
    )


class RecordPermission(PolicyPermission):
    """Records and runs are judged by the data source they came from."""

    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        return policy.can(request.user, self._perm(view), obj.data_source)


class SyncQueuedSerializer(serializers.Serializer):
    run = serializers.IntegerField()
    status = serializers.CharField()


class SyncRunSerializer(serializers.ModelSerializer):
    requested_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    duration_seconds = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = SyncRun
        fields = [
            "id",
            "data_source",
            "trigger",
            "status",
            "requested_by",
            "created_at",
            "started_at",
            "finished_at",
            "duration_seconds",
            "counts",
            "skipped",
            "error",
            "summary",
        ]
        read_only_fields = fields


_ENGAGEMENT = OpenApiParameter(
    "engagement", OpenApiTypes.STR, description="Only this engagement's (by slug)."
)
_SOURCE = OpenApiParameter("source", OpenApiTypes.INT, description="Only this data source's.")


def _int(params: Any, name: str) -> int | None:
    value = params.get(name, "")
    if not value:
        return None
    if not value.isdigit():
        raise ValidationError({name: f"The {name} filter must be an id, a whole number."})
    return int(value)


def _date(params: Any, name: str) -> dt.date | None:
    value = params.get(name, "")
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError({name: f"“{value}” is not a date; write it as YYYY-MM-DD."}) from None


def _bool(params: Any, name: str) -> bool:
    value = params.get(name, "").lower()
    if value in ("", "false", "0", "no"):
        return False
    if value in ("true", "1", "yes"):
        return True
    raise ValidationError({name: f"“{value}” is not true or false."})


def _visible_sources(request: Request) -> QuerySet[DataSource]:
    sources = policy.visible_data_sources(request.user)
    slug = request.query_params.get("engagement", "")
    if slug:
        sources = sources.filter(engagement__slug=slug)
    return sources


@extend_schema_view(
    list=extend_schema(
        parameters=[
            _ENGAGEMENT,
            OpenApiParameter("kind", OpenApiTypes.STR, enum=SourceKind.values),
        ]
    )
)
class DataSourceViewSet(viewsets.ModelViewSet):
    """Data sources: everyone who sees an engagement sees its sources; managers and admins
    change them and alone see credentials and webhook secrets."""

    serializer_class = DataSourceSerializer
    permission_classes = [IsAuthenticated, DataSourcePermission]
    policy_perms = {
        "read": Perm.VIEW_ENGAGEMENT,
        "create": Perm.MANAGE_DELIVERY,
        "update": Perm.MANAGE_DELIVERY,
        "delete": Perm.MANAGE_DELIVERY,
    }

    def get_queryset(self) -> QuerySet[DataSource]:
        sources = policy.visible_data_sources(self.request.user).select_related(
            "engagement__vendor"
        )
        if self.action == "list":
            sources = _visible_sources(self.request).select_related("engagement__vendor")
            kind = self.request.query_params.get("kind", "")
            if kind:
                if kind not in SourceKind.values:
                    raise ValidationError(
                        {"kind": f"“{kind}” is not a kind; use {', '.join(SourceKind.values)}."}
                    )
                sources = sources.filter(kind=kind)
        return sources.order_by("engagement_id", "name", "id")

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        engagement = data.pop("engagement")
        policy.require(self.request.user, Perm.MANAGE_DELIVERY, engagement)
        serializer.instance = create_data_source(
            actor=_actor(self.request),
            engagement=engagement,
            kind=data.pop("kind"),
            name=data.pop("name"),
            **data,
        )

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        data.pop("engagement", None)
        data.pop("kind", None)
        mapping = data.pop("status_mapping", None)
        source = update_data_source(
            actor=_actor(self.request), data_source=serializer.instance, **data
        )
        if mapping is not None:
            update_status_mapping(actor=_actor(self.request), data_source=source, mapping=mapping)
        serializer.instance = source

    def perform_destroy(self, instance: DataSource) -> None:
        delete_data_source(actor=_actor(self.request), data_source=instance)

    @extend_schema(
        summary="Queue a sync of the source from its live service",
        request=None,
        responses={
            status.HTTP_202_ACCEPTED: SyncQueuedSerializer,
            status.HTTP_400_BAD_REQUEST: OpenApiResponse(ERROR, "The kind does not sync."),
        },
    )
    @action(detail=True, methods=["post"])
    def sync(self, request: Request, pk: str | None = None) -> Response:
        source = self.get_object()
        if not supports(source.kind, "sync"):
            raise ValidationError(
                {
                    "detail": f"{source.get_kind_display()} sources are imported from files, "
                    "not synced."
                }
            )
        run = request_sync(data_source=source, requested_by=_actor(request))
        return Response({"run": run.pk, "status": run.status}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Import a file into the source (as `accord import` would), in one transaction",
        request={"multipart/form-data": ImportRequestSerializer},
        responses={
            status.HTTP_201_CREATED: SyncRunSerializer,
            status.HTTP_400_BAD_REQUEST: OpenApiResponse(
                ERROR, "The file was refused or could not be read; nothing was written."
            ),
        },
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="import",
        parser_classes=[MultiPartParser, FormParser],
    )
    def import_file(self, request: Request, pk: str | None = None) -> Response:
        source = self.get_object()
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"detail": "Attach the file to import as the “file” field."})
        try:
            run = import_upload(data_source=source, upload=upload, requested_by=_actor(request))
        except UploadRefused as exc:
            raise ValidationError({"detail": f"{exc} Nothing was imported."}) from None
        if run.error:
            return Response(
                {"detail": f"{run.error} Nothing was imported.", "run": run.pk},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(SyncRunSerializer(run).data, status=status.HTTP_201_CREATED)


@extend_schema_view(list=extend_schema(parameters=[_ENGAGEMENT, _SOURCE]))
class SyncRunViewSet(viewsets.ReadOnlyModelViewSet):
    """Imports, syncs and webhook batches of the sources the caller may see, newest first."""

    serializer_class = SyncRunSerializer
    permission_classes = [IsAuthenticated, RecordPermission]
    policy_perms = {"read": Perm.VIEW_ENGAGEMENT}

    def get_queryset(self) -> QuerySet[SyncRun]:
        runs = queries.visible_runs(self.request.user).select_related("data_source__engagement")
        if self.action == "list":
            runs = runs.filter(data_source__in=_visible_sources(self.request))
            source = _int(self.request.query_params, "source")
            if source is not None:
                runs = runs.filter(data_source_id=source)
        return runs.order_by("-created_at", "-id")


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


@extend_schema_view(
    list=extend_schema(
        parameters=[
            _ENGAGEMENT,
            _SOURCE,
            OpenApiParameter("category", OpenApiTypes.STR, enum=Category.values),
            OpenApiParameter("type", OpenApiTypes.STR, description="Work item type."),
            OpenApiParameter("assignee", OpenApiTypes.INT, description="Person id."),
            OpenApiParameter("search", OpenApiTypes.STR, description="Key or title contains."),
            OpenApiParameter("done_from", _DATE, description="Done on or after this day."),
            OpenApiParameter("done_to", _DATE, description="Done on or before this day."),
        ]
    )
)
class WorkItemViewSet(_RecordViewSet):
    """Work items with their derived facts (started, done, cycle and lead time)."""

    serializer_class = WorkItemSerializer

    def records(self, sources: QuerySet[DataSource]) -> QuerySet[Any]:
        params = self.request.query_params
        category = params.get("category", "")
        if self.action == "list" and category and category not in Category.values:
            raise ValidationError(
                {"category": f"“{category}” is not a category; use {', '.join(Category.values)}."}
            )
        filters = (
            queries.WorkItemFilters(
                source=_int(params, "source"),
                category=category,
                item_type=params.get("type", ""),
                assignee=_int(params, "assignee"),
                search=params.get("search", ""),
                done_from=_date(params, "done_from"),
                done_to=_date(params, "done_to"),
            )
            if self.action == "list"
            else queries.WorkItemFilters()
        )
        return queries.work_items(sources, filters)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            _ENGAGEMENT,
            _SOURCE,
            OpenApiParameter("repo", OpenApiTypes.STR, description="owner/name."),
            OpenApiParameter("author", OpenApiTypes.STR, description="Login or name contains."),
            OpenApiParameter("merged_from", _DATE, description="Merged on or after this day."),
            OpenApiParameter("merged_to", _DATE, description="Merged on or before this day."),
        ]
    )
)
class PullRequestViewSet(_RecordViewSet):
    """Pull requests with pickup time and time to merge."""

    serializer_class = PullRequestSerializer

    def records(self, sources: QuerySet[DataSource]) -> QuerySet[Any]:
        params = self.request.query_params
        filters = (
            queries.PullRequestFilters(
                source=_int(params, "source"),
                repo=params.get("repo", ""),
                author=params.get("author", ""),
                merged_from=_date(params, "merged_from"),
                merged_to=_date(params, "merged_to"),
            )
            if self.action == "list"
            else queries.PullRequestFilters()
        )
        return queries.pull_requests(sources, filters)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            _ENGAGEMENT,
            _SOURCE,
            OpenApiParameter("environment", OpenApiTypes.STR),
            OpenApiParameter("production", OpenApiTypes.BOOL, description="Production only."),
        ]
    )
)
class DeploymentViewSet(_RecordViewSet):
    """Deployments (GitHub deployments, releases or deploy workflow runs)."""

    serializer_class = DeploymentSerializer

    def records(self, sources: QuerySet[DataSource]) -> QuerySet[Any]:
        params = self.request.query_params
        filters = (
            queries.DeploymentFilters(
                source=_int(params, "source"),
                environment=params.get("environment", ""),
                production_only=_bool(params, "production"),
            )
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
