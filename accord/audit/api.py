"""Read-only API over the audit events the policy lets the caller see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers, viewsets

from accord.accounts import policy
from accord.audit.models import AuditEvent
from accord.audit.presenters import ShownEvent, ShownValue, present_events

ReadableEvent = inline_serializer(
    name="ReadableAuditEvent",
    fields={
        "summary": serializers.CharField(),
        "when": serializers.CharField(),
        "exact": serializers.CharField(),
        "changes": inline_serializer(
            name="ReadableAuditChange",
            many=True,
            fields={
                "field": serializers.CharField(),
                "label": serializers.CharField(),
                "before": serializers.CharField(allow_null=True),
                "after": serializers.CharField(allow_null=True),
            },
        ),
    },
)


def _whole(value: ShownValue | None) -> str | None:
    return None if value is None else (value.full or value.text)


class AuditEventListSerializer(serializers.ListSerializer):
    """Presents a whole page of events at once, so related names cost one query per model."""

    shown: dict[int, ShownEvent]

    def to_representation(self, data: Any) -> list[Any]:
        events = list(data.all() if isinstance(data, QuerySet) else data)
        shown = present_events(events, user=self.context["request"].user)
        self.shown = {item.event.pk: item for item in shown}
        return super().to_representation(events)


class AuditEventSerializer(serializers.ModelSerializer):
    # The same event in words (names for ids, labels for codes, times in the caller's zone);
    # `changes` keeps the raw stored diff.
    readable = serializers.SerializerMethodField()

    class Meta:
        model = AuditEvent
        list_serializer_class = AuditEventListSerializer
        fields = [
            "id",
            "at",
            "actor",
            "actor_name",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "changes",
            "engagement",
            "readable",
        ]

    @extend_schema_field(ReadableEvent)
    def get_readable(self, event: AuditEvent) -> dict[str, Any]:
        shown: ShownEvent | None = getattr(self.parent, "shown", {}).get(event.pk)
        if shown is None:
            shown = present_events([event], user=self.context["request"].user)[0]
        return {
            "summary": f"{shown.action_label} {shown.object_label} {shown.object_repr}",
            "when": shown.when,
            "exact": shown.exact,
            "changes": [
                {
                    "field": change.field,
                    "label": change.label,
                    "before": _whole(change.before),
                    "after": _whole(change.after),
                }
                for change in shown.changes
            ],
        }


class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    """Audit events, newest first; filter with ?object_type=&object_id=&engagement=."""

    serializer_class = AuditEventSerializer
    queryset = AuditEvent.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self) -> QuerySet[AuditEvent]:
        policy.require(self.request.user, policy.Perm.VIEW_AUDIT)
        events = policy.visible_audit_events(self.request.user)
        params = self.request.query_params
        if params.get("object_type"):
            events = events.filter(object_type=params["object_type"])
        if params.get("object_id"):
            events = events.filter(object_id=params["object_id"])
        if params.get("engagement", "").isdigit():
            events = events.filter(engagement_id=int(params["engagement"]))
        return events
