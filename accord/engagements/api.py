"""/api/v1/engagements/: engagements under the access policy."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers, viewsets
from rest_framework.permissions import IsAuthenticated

from accord.accounts import policy
from accord.engagements import actions
from accord.engagements.models import Contact, Engagement
from accord.lib.api import PolicyPermission
from accord.vendors.models import Vendor


class ContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = ["id", "side", "name", "role", "email", "phone"]


class VisibleVendorField(serializers.PrimaryKeyRelatedField):
    """A vendor id, looked up among the vendors the caller may see (others are 'not found')."""

    def get_queryset(self) -> QuerySet[Vendor]:
        return policy.visible_vendors(self.context["request"].user)


class EngagementSerializer(serializers.ModelSerializer):
    vendor = VisibleVendorField()
    vendor_name = serializers.CharField(source="vendor.name", read_only=True)
    contacts = ContactSerializer(many=True, read_only=True)

    class Meta:
        model = Engagement
        fields = [
            "id", "slug", "name", "vendor", "vendor_name", "status", "start_date", "end_date",
            "scope", "pricing_model", "budget", "currency", "contract_reference", "created_at",
            "contacts",
        ]
        read_only_fields = ["created_at"]
        extra_kwargs = {"slug": {"required": False, "validators": []}}


class EngagementViewSet(viewsets.ModelViewSet):
    """Engagements: the client sees all; a vendor user sees their own vendor's."""

    serializer_class = EngagementSerializer
    permission_classes = [IsAuthenticated, PolicyPermission]
    lookup_field = "pk"
    policy_perms = {
        "read": policy.Perm.VIEW_ENGAGEMENT,
        "create": policy.Perm.ADD_ENGAGEMENT,
        "update": policy.Perm.CHANGE_ENGAGEMENT,
        "delete": policy.Perm.DELETE_ENGAGEMENT,
    }

    def get_queryset(self) -> QuerySet[Engagement]:
        return (
            policy.visible_engagements(self.request.user)
            .select_related("vendor")
            .prefetch_related("contacts")
        )

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = actions.create_engagement(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = actions.update_engagement(
            actor=self.request.user, engagement=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance: Engagement) -> None:
        actions.delete_engagement(actor=self.request.user, engagement=instance)  # type: ignore[arg-type]
