"""/api/v1/engagements/: engagements and their notes under the access policy."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accord.accounts import policy
from accord.accounts.models import User
from accord.accounts.policy import Perm
from accord.engagements import actions, queries
from accord.engagements.models import Contact, Engagement, EngagementStatus, Note, Visibility
from accord.lib.api import PolicyPermission
from accord.vendors.models import Vendor


def _actor(request: Request) -> User:
    """The authenticated caller (IsAuthenticated runs first)."""
    assert isinstance(request.user, User)
    return request.user


class ContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = ["id", "side", "name", "role", "email", "phone"]


class NoteSerializer(serializers.ModelSerializer):
    author: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    body = serializers.CharField(
        error_messages={
            "blank": "Write something before saving the note.",
            "required": "Write something before saving the note.",
        }
    )

    class Meta:
        model = Note
        fields = ["id", "body", "visibility", "author", "created_at"]
        read_only_fields = ["created_at"]
        extra_kwargs = {
            "visibility": {
                "required": False,
                "help_text": "internal (client only, the default) or shared with the vendor. "
                "Notes by vendor users are always shared.",
            }
        }


class VisibleVendorField(serializers.PrimaryKeyRelatedField):
    """A vendor id, looked up among the vendors the caller may see (others are 'not found')."""

    default_error_messages = {
        "required": "Give the id of the engagement's vendor.",
        "does_not_exist": "There is no vendor with id {pk_value} that you may use; "
        "see /api/v1/vendors/ for the ids.",
        "incorrect_type": "The vendor must be given by its id, a whole number, not {data_type}.",
        "null": "Give the id of the engagement's vendor.",
    }

    def get_queryset(self) -> QuerySet[Vendor]:
        return policy.visible_vendors(self.context["request"].user)


class EngagementSerializer(serializers.ModelSerializer):
    vendor = VisibleVendorField()
    vendor_name = serializers.CharField(source="vendor.name", read_only=True)
    contacts = ContactSerializer(many=True, read_only=True)

    class Meta:
        model = Engagement
        fields = [
            "id",
            "slug",
            "name",
            "vendor",
            "vendor_name",
            "status",
            "start_date",
            "end_date",
            "scope",
            "pricing_model",
            "budget",
            "currency",
            "contract_reference",
            "created_at",
            "contacts",
        ]
        read_only_fields = ["created_at"]
        # The action checks the slug (taken, reserved) with a clear message.
        extra_kwargs = {"slug": {"required": False, "validators": []}}


class EngagementPermission(PolicyPermission):
    """The policy, with the comment permission for posting a note."""

    def _perm(self, view: Any) -> Any:
        if getattr(view, "action", None) == "notes" and view.request.method == "POST":
            return Perm.COMMENT_ENGAGEMENT
        return super()._perm(view)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "status",
                OpenApiTypes.STR,
                enum=EngagementStatus.values,
                description="Only this status.",
            ),
            OpenApiParameter("vendor", OpenApiTypes.INT, description="Only this vendor's (by id)."),
            OpenApiParameter("search", OpenApiTypes.STR, description="Name contains this text."),
        ]
    )
)
class EngagementViewSet(viewsets.ModelViewSet):
    """Engagements: the client sees all; a vendor user sees their own vendor's."""

    serializer_class = EngagementSerializer
    permission_classes = [IsAuthenticated, EngagementPermission]
    lookup_field = "pk"
    policy_perms = {
        "read": Perm.VIEW_ENGAGEMENT,
        "create": Perm.ADD_ENGAGEMENT,
        "update": Perm.CHANGE_ENGAGEMENT,
        "delete": Perm.DELETE_ENGAGEMENT,
    }

    def _list_filters(self) -> dict[str, Any]:
        params = self.request.query_params
        wanted_status = params.get("status", "")
        if wanted_status and wanted_status not in EngagementStatus.values:
            choices = ", ".join(EngagementStatus.values)
            raise ValidationError({"status": f"“{wanted_status}” is not a status; use {choices}."})
        vendor = params.get("vendor", "")
        if vendor and not vendor.isdigit():
            raise ValidationError({"vendor": "The vendor filter must be a vendor id."})
        return {
            "status": wanted_status,
            "vendor": int(vendor) if vendor else None,
            "search": params.get("search", ""),
        }

    def get_queryset(self) -> QuerySet[Engagement]:
        filters = self._list_filters() if self.action == "list" else {}
        return queries.engagements_for(self.request.user, **filters).prefetch_related("contacts")

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = actions.create_engagement(
            actor=_actor(self.request), name=data.pop("name"), vendor=data.pop("vendor"), **data
        )

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = actions.update_engagement(
            actor=_actor(self.request),
            engagement=serializer.instance,
            **serializer.validated_data,
        )

    def perform_destroy(self, instance: Engagement) -> None:
        actions.delete_engagement(actor=_actor(self.request), engagement=instance)

    @extend_schema(
        methods=["GET"],
        summary="The engagement's notes the caller may read, newest first",
        responses=NoteSerializer(many=True),
    )
    @extend_schema(
        methods=["POST"],
        summary="Add a note (managers, admins and the vendor's lead)",
        request=NoteSerializer,
        responses={status.HTTP_201_CREATED: NoteSerializer},
    )
    @action(detail=True, methods=["get", "post"], serializer_class=NoteSerializer)
    def notes(self, request: Request, pk: str | None = None) -> Response:
        engagement = self.get_object()
        if request.method == "POST":
            serializer = NoteSerializer(data=request.data, context=self.get_serializer_context())
            serializer.is_valid(raise_exception=True)
            note = actions.add_note(
                actor=_actor(request),
                engagement=engagement,
                body=serializer.validated_data["body"],
                visibility=serializer.validated_data.get("visibility", Visibility.INTERNAL),
            )
            return Response(NoteSerializer(note).data, status=status.HTTP_201_CREATED)
        page = self.paginate_queryset(queries.notes_for(request.user, engagement))
        return self.get_paginated_response(NoteSerializer(page, many=True).data)
