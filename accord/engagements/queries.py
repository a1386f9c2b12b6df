"""Reads about engagements that the web pages and the API share, always through the policy."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accord.accounts import policy
from accord.accounts.policy import AnyUser
from accord.audit.models import AuditEvent
from accord.engagements.models import Contact, ContactSide, Document, Engagement, Note
from accord.vendors.models import Vendor


def engagements_for(
    user: AnyUser,
    *,
    status: str = "",
    vendor: Vendor | int | None = None,
    search: str = "",
) -> QuerySet[Engagement]:
    """The engagements the user may see, filtered (vendor by object or id), in a stable order."""
    engagements = policy.visible_engagements(user).select_related("vendor")
    if status:
        engagements = engagements.filter(status=status)
    if vendor is not None:
        engagements = engagements.filter(vendor=vendor)
    if search.strip():
        engagements = engagements.filter(name__icontains=search.strip())
    return engagements.order_by("name", "id")


def engagement_for(user: AnyUser, slug: str) -> Engagement:
    """One engagement the user may see, by slug; Http404 otherwise."""
    return get_object_or_404(policy.visible_engagements(user).select_related("vendor"), slug=slug)


def contacts_by_side(engagement: Engagement) -> dict[str, list[Contact]]:
    """The engagement's contacts grouped as {"client": [...], "vendor": [...]} in one query."""
    grouped: dict[str, list[Contact]] = {side.value: [] for side in ContactSide}
    for contact in engagement.contacts.order_by("name", "id"):
        grouped.setdefault(contact.side, []).append(contact)
    return grouped


def notes_for(user: AnyUser, engagement: Engagement) -> QuerySet[Note]:
    """The engagement's notes the user may read, newest first, with their authors."""
    return policy.visible_notes(user, engagement).order_by("-created_at", "-id")


def documents_for(user: AnyUser, engagement: Engagement) -> QuerySet[Document]:
    """The engagement's documents the user may download, newest first."""
    return (
        policy.visible_documents(user)
        .filter(engagement=engagement)
        .select_related("uploaded_by")
        .order_by("-uploaded_at", "-id")
    )


def history_for(user: AnyUser, engagement: Engagement) -> QuerySet[AuditEvent]:
    """The audit events about this engagement and its parts that the user may see."""
    return (
        policy.visible_audit_events(user)
        .filter(engagement=engagement)
        .select_related("actor", "engagement")
        .order_by("-at", "-id")
    )
