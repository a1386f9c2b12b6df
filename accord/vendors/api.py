"""/api/v1/vendors/: vendor profiles under the access policy."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django_countries.serializers import CountryFieldMixin
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request

from accord.accounts import policy
from accord.accounts.models import User
from accord.lib.api import PolicyPermission
from accord.vendors import actions, queries
from accord.vendors.models import (
    Capability,
    CaseStudy,
    Certification,
    DeliveryLocation,
    Industry,
    RateCardLine,
    Reference,
    Vendor,
    VendorDocument,
)


def _absolute(request: Request | None, path: str) -> str:
    return request.build_absolute_uri(path) if request is not None else path


class DeliveryLocationSerializer(CountryFieldMixin, serializers.ModelSerializer):
    class Meta:
        model = DeliveryLocation
        fields = ["id", "city", "country", "time_zone", "work_start", "work_end", "headcount"]


class CertificationSerializer(serializers.ModelSerializer):
    status = serializers.CharField(
        source="standing_today",
        read_only=True,
        help_text="valid, expiring (within 90 days), expired or not_yet_valid, as of today.",
    )
    evidence_url = serializers.SerializerMethodField()

    class Meta:
        model = Certification
        fields = [
            "id",
            "kind",
            "name",
            "issuer",
            "reference",
            "valid_from",
            "valid_until",
            "status",
            "evidence_name",
            "evidence_url",
        ]

    def get_evidence_url(self, obj: Certification) -> str | None:
        """Where the evidence file downloads from, if there is one."""
        if not obj.evidence:
            return None
        path = reverse("vendors:certification_evidence", args=[obj.vendor.slug, obj.pk])
        return _absolute(self.context.get("request"), path)


class CaseStudySerializer(serializers.ModelSerializer):
    industry: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )

    class Meta:
        model = CaseStudy
        fields = ["id", "title", "client_name", "industry", "year", "summary", "outcome", "url"]


class ReferenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Reference
        fields = [
            "id",
            "kind",
            "company",
            "contact_name",
            "contact_role",
            "email",
            "phone",
            "quote",
            "may_contact",
        ]


class RateCardLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = RateCardLine
        fields = ["id", "role", "seniority", "amount", "unit", "currency", "note"]


class VendorDocumentSerializer(serializers.ModelSerializer):
    uploaded_by: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = VendorDocument
        fields = [
            "id",
            "kind",
            "title",
            "version",
            "original_name",
            "uploaded_by",
            "uploaded_at",
            "download_url",
        ]

    def get_download_url(self, obj: VendorDocument) -> str:
        """Where the document downloads from."""
        path = reverse("vendors:document_download", args=[obj.vendor.slug, obj.pk])
        return _absolute(self.context.get("request"), path)


class SlugField(serializers.SlugRelatedField):
    """A related object named by its slug; anything but a string is refused as such."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


def _slugs(model: type[Industry] | type[Capability], noun: str) -> serializers.Field:
    return SlugField(
        slug_field="slug",
        many=True,
        queryset=model.objects.all(),
        required=False,
        help_text=f"{noun.capitalize()} slugs, such as "
        + ("fintech or healthcare." if model is Industry else "ai-ml or cloud."),
        error_messages={
            "does_not_exist": f"There is no {noun} “{{value}}”; use one of its slugs.",
            "invalid": f"Give each {noun} as its slug, a string.",
        },
    )


class VendorSerializer(CountryFieldMixin, serializers.ModelSerializer):
    industries = _slugs(Industry, "industry")
    capabilities = _slugs(Capability, "capability")
    currency = serializers.RegexField(
        r"^[A-Za-z]{3}$",
        required=False,
        help_text="Three-letter ISO 4217 code, such as EUR (the default).",
        error_messages={"invalid": "Use a three-letter ISO 4217 code such as EUR."},
    )
    locations = DeliveryLocationSerializer(many=True, read_only=True)
    certifications = CertificationSerializer(many=True, read_only=True)
    case_studies = CaseStudySerializer(many=True, read_only=True)
    references = ReferenceSerializer(many=True, read_only=True)
    rate_card = RateCardLineSerializer(many=True, read_only=True)
    documents = VendorDocumentSerializer(many=True, read_only=True)

    class Meta:
        model = Vendor
        fields = [
            "id",
            "slug",
            "name",
            "legal_name",
            "website",
            "headquarters_country",
            "description",
            "founded_year",
            "team_size",
            "scale_up_capacity",
            "scale_up_weeks",
            "scale_down_notice_weeks",
            "industries",
            "capabilities",
            "pricing_model",
            "currency",
            "pricing_notes",
            "created_at",
            "locations",
            "certifications",
            "case_studies",
            "references",
            "rate_card",
            "documents",
        ]
        read_only_fields = ["slug", "created_at"]
        # Uniqueness is checked by the action (ignoring case), with a clear message.
        extra_kwargs: dict[str, dict[str, Any]] = {"name": {"validators": []}}

    def validate_currency(self, value: str) -> str:
        return value.upper()


_FILTERS = [
    OpenApiParameter("q", str, description="Part of the vendor's name or legal name."),
    OpenApiParameter(
        "country", str, description="ISO 3166 code of the headquarters or a delivery location."
    ),
    OpenApiParameter("industry", str, description="Industry slug, such as fintech."),
    OpenApiParameter("capability", str, description="Capability slug, such as cloud."),
]


@extend_schema_view(list=extend_schema(parameters=_FILTERS))
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
        vendors = queries.vendor_profile(self.request.user).order_by("name")
        if self.action == "list":
            filters = queries.VendorFilters.from_params(self.request.query_params)
            vendors = queries.filter_vendors(vendors, filters)
        return vendors

    def _actor(self) -> User:
        user = self.request.user
        assert isinstance(user, User)
        return user

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = actions.create_vendor(
            actor=self._actor(), **serializer.validated_data
        )

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = actions.update_vendor(
            actor=self._actor(), vendor=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance: Vendor) -> None:
        actions.delete_vendor(actor=self._actor(), vendor=instance)
