"""/api/v1/data-sources/ and /api/v1/sync-runs/: data sources with write-only credentials,
their imports and syncs, and the runs they leave."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
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
from accord.delivery.actions.mapping import map_statuses
from accord.delivery.actions.sources import (
    create_data_source,
    delete_data_source,
    request_sync,
    update_data_source,
)
from accord.delivery.api.common import (
    _ENGAGEMENT,
    _SOURCE,
    ERROR,
    RecordPermission,
    _actor,
    _int,
    _visible_sources,
)
from accord.delivery.connectors import supports
from accord.delivery.models import (
    Category,
    DataSource,
    SourceKind,
    SyncRun,
)
from accord.delivery.uploads import UploadRefused, import_upload
from accord.engagements.models import Engagement
from accord.lib.api import PolicyPermission

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
        from accord.delivery.webhook_views import webhook_path

        return webhook_path(source)

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
            map_statuses(actor=_actor(self.request), data_source=source, mapping=mapping)
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
