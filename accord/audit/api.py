"""Read-only API over the audit events the policy lets the caller see."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import serializers, viewsets

from accord.accounts import policy
from accord.audit.models import AuditEvent


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
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
        ]


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
