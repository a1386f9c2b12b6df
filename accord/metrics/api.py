"""/api/v1/ for KPIs: definitions, measurements with their evidence, manual values, CSV imports
and measurement exports, all through the access policy."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accord.accounts import policy
from accord.accounts.models import User
from accord.accounts.policy import Perm
from accord.engagements.models import Engagement
from accord.engagements.queries import engagement_for
from accord.lib.api import PolicyPermission
from accord.metrics import actions, exports, queries
from accord.metrics.models import KPI, ManualValue, Measurement


def _actor(request: Request) -> User:
    assert isinstance(request.user, User)
    return request.user


class VisibleEngagementField(serializers.PrimaryKeyRelatedField):
    """An engagement id among those the caller may see (others are 'not found')."""

    default_error_messages = {
        "required": "Give the id of the engagement.",
        "does_not_exist": "There is no engagement with id {pk_value} that you may use; "
        "see /api/v1/engagements/ for the ids.",
        "incorrect_type": "The engagement must be given by its id, a whole number.",
    }

    def get_queryset(self) -> QuerySet[Engagement]:
        return policy.visible_engagements(self.context["request"].user)


class KPISerializer(serializers.ModelSerializer):
    engagement = VisibleEngagementField()
    engagement_slug = serializers.CharField(source="engagement.slug", read_only=True)
    created_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    better = serializers.ChoiceField(
        choices=["higher", "lower"],
        required=False,
        help_text="Which direction is better; by default the metric's own.",
    )

    class Meta:
        model = KPI
        fields = [
            "id",
            "engagement",
            "engagement_slug",
            "metric_key",
            "name",
            "target",
            "warning_threshold",
            "better",
            "period_kind",
            "affiliation",
            "active",
            "created_by",
            "created_at",
        ]
        read_only_fields = ["created_at"]
        # The actions check names (one per engagement) and thresholds with clear messages.
        validators: list[Any] = []
        extra_kwargs = {
            "name": {"required": False},
            "affiliation": {
                "help_text": "Empty for everyone, or client, mixed, vendor:<organization id>."
            },
        }


class MeasurementPermission(PolicyPermission):
    """A measurement is judged by its KPI (and so by the KPI's engagement)."""

    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        return policy.can(request.user, self._perm(view), obj.kpi)


class MeasurementSerializer(serializers.ModelSerializer):
    class Meta:
        model = Measurement
        fields = [
            "id",
            "kpi",
            "period_start",
            "period_end",
            "value",
            "status",
            "evidence_count",
            "computed_at",
            "inputs",
        ]


class ManualValueSerializer(serializers.ModelSerializer):
    engagement = VisibleEngagementField()
    recorded_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )

    class Meta:
        model = ManualValue
        fields = [
            "id",
            "engagement",
            "metric_key",
            "period_start",
            "period_end",
            "value",
            "note",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = ["recorded_at"]
        # The action upserts on (engagement, metric, period): no uniqueness check here.
        validators: list[Any] = []


def _engagement_param(params: Any) -> str:
    return str(params.get("engagement", ""))


def _day(params: Any, name: str) -> dt.datetime | None:
    value = params.get(name, "")
    if not value:
        return None
    try:
        return dt.datetime.combine(dt.date.fromisoformat(value), dt.time(), tzinfo=dt.UTC)
    except ValueError:
        raise ValidationError({name: f"“{value}” is not a date; write it as YYYY-MM-DD."}) from None


KPI_PERMS = {
    "read": Perm.VIEW_ENGAGEMENT,
    "create": Perm.MANAGE_KPI,
    "update": Perm.MANAGE_KPI,
    "delete": Perm.MANAGE_KPI,
}
ENGAGEMENT_FILTER = OpenApiParameter(
    "engagement", OpenApiTypes.STR, description="Only this engagement's (by slug)."
)


@extend_schema_view(list=extend_schema(parameters=[ENGAGEMENT_FILTER]))
class KPIViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """KPI definitions. Managers define and change them; set `active` false to stop one."""

    serializer_class = KPISerializer
    permission_classes = [IsAuthenticated, PolicyPermission]
    policy_perms = KPI_PERMS

    def get_queryset(self) -> QuerySet[KPI]:
        kpis = policy.visible_kpis(self.request.user).select_related("engagement", "created_by")
        slug = _engagement_param(self.request.query_params)
        if self.action == "list" and slug:
            kpis = kpis.filter(engagement__slug=slug)
        return kpis.order_by("engagement__name", "name", "id")

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        engagement = data.pop("engagement")
        policy.require(self.request.user, Perm.MANAGE_KPI, engagement)
        data.pop("active", None)
        serializer.instance = actions.define_kpi(
            actor=_actor(self.request), engagement=engagement, **data
        )

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        if "engagement" in data and data.pop("engagement") != serializer.instance.engagement:
            raise ValidationError({"engagement": "A KPI cannot move to another engagement."})
        serializer.instance = actions.edit_kpi(
            actor=_actor(self.request), kpi=serializer.instance, **data
        )


EVIDENCE = inline_serializer(
    "MeasurementEvidence",
    fields={
        "kpi": serializers.IntegerField(),
        "metric_key": serializers.CharField(),
        "period_start": serializers.DateTimeField(),
        "period_end": serializers.DateTimeField(),
        "value": serializers.FloatField(allow_null=True),
        "stored_value": serializers.FloatField(allow_null=True),
        "unit": serializers.CharField(),
        "better": serializers.CharField(),
        "formula": serializers.CharField(),
        "evidence_count": serializers.IntegerField(),
        "counted": serializers.ListField(child=serializers.DictField()),
        "excluded": serializers.ListField(child=serializers.DictField()),
        "inputs": serializers.DictField(),
    },
)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            ENGAGEMENT_FILTER,
            OpenApiParameter("kpi", OpenApiTypes.INT, description="Only this KPI's (by id)."),
            OpenApiParameter(
                "from", OpenApiTypes.DATE, description="Only periods starting on or after."
            ),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Only periods starting before."),
        ]
    )
)
class MeasurementViewSet(viewsets.ReadOnlyModelViewSet):
    """KPI values per period with their status; `evidence` explains one."""

    serializer_class = MeasurementSerializer
    permission_classes = [IsAuthenticated, MeasurementPermission]
    policy_perms = KPI_PERMS

    def get_queryset(self) -> QuerySet[Measurement]:
        measurements = policy.visible_measurements(self.request.user)
        if self.action != "list":
            return measurements.select_related("kpi__engagement")
        params = self.request.query_params
        if slug := _engagement_param(params):
            measurements = measurements.filter(kpi__engagement__slug=slug)
        kpi = params.get("kpi", "")
        if kpi:
            if not kpi.isdigit():
                raise ValidationError({"kpi": "The kpi filter must be a KPI id, a whole number."})
            measurements = measurements.filter(kpi_id=int(kpi))
        if since := _day(params, "from"):
            measurements = measurements.filter(period_start__gte=since)
        if until := _day(params, "to"):
            measurements = measurements.filter(period_start__lt=until)
        return measurements.order_by("kpi_id", "period_start")

    @extend_schema(
        summary="The formula, counted and excluded items and raw inputs, recomputed now",
        responses=EVIDENCE,
    )
    @action(detail=True, methods=["get"])
    def evidence(self, request: Request, pk: str | None = None) -> Response:
        return Response(queries.evidence_payload(self.get_object()))


@extend_schema_view(list=extend_schema(parameters=[ENGAGEMENT_FILTER]))
class ManualValueViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Values entered by hand per period (retention, availability, capacity headroom…);
    posting one for a period that has a value corrects it."""

    serializer_class = ManualValueSerializer
    permission_classes = [IsAuthenticated, PolicyPermission]
    policy_perms = KPI_PERMS

    def get_queryset(self) -> QuerySet[ManualValue]:
        values = policy.visible_manual_values(self.request.user).select_related("recorded_by")
        slug = _engagement_param(self.request.query_params)
        if self.action == "list" and slug:
            values = values.filter(engagement__slug=slug)
        return values.order_by("engagement_id", "metric_key", "period_start")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        policy.require(request.user, Perm.MANAGE_KPI, data["engagement"])
        manual = actions.record_manual_value(actor=_actor(request), **data)
        return Response(self.get_serializer(manual).data, status=status.HTTP_201_CREATED)


IMPORT_RESULT = inline_serializer(
    "MetricsImportResult",
    fields={
        "created": serializers.IntegerField(),
        "updated": serializers.IntegerField(),
        "unchanged": serializers.IntegerField(),
    },
)
IMPORT_REQUEST = {
    "multipart/form-data": inline_serializer(
        "MetricsImportFile", fields={"file": serializers.FileField()}
    )
}


class _ImportView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser]
    run: Any = None

    def post(self, request: Request, slug: str) -> Response:
        engagement = engagement_for(request.user, slug)
        policy.require(request.user, Perm.MANAGE_KPI, engagement)
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": "Send the CSV file in the form field “file”."})
        try:
            result = type(self).run(
                actor=_actor(request), engagement=engagement, data=upload.read()
            )
        except DjangoValidationError as exc:
            raise ValidationError({"detail": exc.messages}) from None
        return Response(
            {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}
        )


@extend_schema(
    summary="Import manual KPI values from CSV (kpi, period start, period end, value, note)",
    request=IMPORT_REQUEST,
    responses=IMPORT_RESULT,
)
class KPIValuesImportView(_ImportView):
    run = staticmethod(actions.import_kpi_values)


@extend_schema(
    summary="Import CSAT and NPS survey responses from CSV "
    "(kind, score, responded at, respondent, comment)",
    request=IMPORT_REQUEST,
    responses=IMPORT_RESULT,
)
class SurveyResponsesImportView(_ImportView):
    run = staticmethod(actions.import_survey_responses)


class MeasurementExportView(APIView):
    """Every measurement of an engagement's KPIs as CSV or XLSX."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Download an engagement's KPI measurements (fmt: csv or xlsx)",
        responses={(200, "text/csv"): OpenApiResponse(description="The measurements.")},
    )
    def get(self, request: Request, slug: str, fmt: str) -> HttpResponse:
        return exports.download(engagement_for(request.user, slug), request.user, fmt)
