"""/api/v1/vendors/: vendor profiles under the access policy."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers, viewsets
from rest_framework.permissions import IsAuthenticated

from accord.accounts import policy
from accord.lib.api import PolicyPermission
from accord.vendors import actions
from accord.vendors.models import (
    CaseStudy,
    Capability,
    Certification,
    DeliveryLocation,
    Industry,
    RateCardLine,
    Reference,
    Vendor,
)


class DeliveryLocationSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeliveryLocation
        fields = ["id", "city", "country", "time_zone", "work_start", "work_end", "headcount"]


class CertificationSerializer(serializers.ModelSerializer):
    status_today = serializers.CharField(read_only=True)

    class Meta:
        model = Certification
        fields = ["id", "kind", "name", "issuer", "reference", "valid_from", "valid_until", "status_today"]


class CaseStudySerializer(serializers.ModelSerializer):
    class Meta:
        model = CaseStudy
        fields = ["id", "title", "client_name", "industry", "year", "summary", "outcome", "url"]


class ReferenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Reference
        fields = ["id", "kind", "company", "contact_name", "contact_role", "quote", "may_contact"]


class RateCardLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = RateCardLine
        fields = ["id", "role", "seniority", "amount", "unit", "currency", "note"]


class VendorSerializer(serializers.ModelSerializer):
    industries = serializers.SlugRelatedField(
        slug_field="slug", many=True, queryset=Industry.objects.all(), required=False
    )
    capabilities = serializers.SlugRelatedField(
        slug_field="slug", many=True, queryset=Capability.objects.all(), required=False
    )
    locations = DeliveryLocationSerializer(many=True, read_only=True)
    certifications = CertificationSerializer(many=True, read_only=True)
    case_studies = CaseStudySerializer(many=True, read_only=True)
    references = ReferenceSerializer(many=True, read_only=True)
    rate_card = RateCardLineSerializer(many=True, read_only=True)

    class Meta:
        model = Vendor
        fields = [
            "id", "slug", "name", "legal_name", "website", "headquarters_country", "description",
            "founded_year", "team_size", "scale_up_capacity", "scale_up_weeks",
            "scale_down_notice_weeks", "industries", "capabilities", "pricing_model", "currency",
            "pricing_notes", "created_at", "locations", "certifications", "case_studies",
            "references", "rate_card",
        ]
        read_only_fields = ["slug", "created_at"]
        # Uniqueness is checked by the action, with a clear message.
        extra_kwargs = {"name": {"validators": []}}


class VendorViewSet(viewsets.ModelViewSet):
    """Vendors: the client sees all; a vendor user sees only their own vendor."""

    serializer_class = VendorSerializer
    permission_classes = [IsAuthenticated, PolicyPermission]
    policy_perms = {
        "read": policy.Perm.VIEW_VENDOR,
        "create": policy.Perm.ADD_VENDOR,
        "update": policy.Perm.CHANGE_VENDOR,
        "delete": policy.Perm.DELETE_VENDOR,
    }

    def get_queryset(self) -> QuerySet[Vendor]:
        return policy.visible_vendors(self.request.user).prefetch_related(
            "industries", "capabilities", "locations", "certifications", "case_studies",
            "references", "rate_card",
        )

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = actions.create_vendor(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = actions.update_vendor(
            actor=self.request.user, vendor=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance: Vendor) -> None:
        actions.delete_vendor(actor=self.request.user, vendor=instance)  # type: ignore[arg-type]
