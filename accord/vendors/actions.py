"""Writes about vendors and their evidence. Each is one transaction with an audit event."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accord.accounts.models import Organization, OrganizationKind, User
from accord.audit.actions import create_audited, delete_audited, update_audited
from accord.lib.slugs import unique_slug
from accord.vendors.models import Vendor

_M2M = ("industries", "capabilities")


def _split_m2m(fields: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    plain = {k: v for k, v in fields.items() if k not in _M2M}
    m2m = {k: v for k, v in fields.items() if k in _M2M}
    return plain, m2m


@transaction.atomic
def create_vendor(*, actor: User | None, name: str, **fields: Any) -> Vendor:
    """Create a vendor and the organization its users will belong to."""
    if Vendor.objects.filter(name__iexact=name.strip()).exists():
        raise ValidationError({"name": f"A vendor named “{name}” already exists."})
    plain, m2m = _split_m2m(fields)
    organization = Organization.objects.create(name=name.strip(), kind=OrganizationKind.VENDOR)
    vendor = Vendor(
        organization=organization,
        name=name.strip(),
        slug=plain.pop("slug", None) or unique_slug(Vendor, name),
        **plain,
    )
    return create_audited(actor=actor, instance=vendor, m2m=m2m)


@transaction.atomic
def update_vendor(*, actor: User, vendor: Vendor, **fields: Any) -> Vendor:
    """Change a vendor's profile fields; the organization keeps the vendor's name."""
    plain, m2m = _split_m2m(fields)
    if "name" in plain:
        plain["name"] = plain["name"].strip()
        if Vendor.objects.filter(name__iexact=plain["name"]).exclude(pk=vendor.pk).exists():
            raise ValidationError({"name": f"A vendor named “{plain['name']}” already exists."})
    vendor = update_audited(actor=actor, instance=vendor, fields=plain, m2m=m2m)
    if vendor.organization.name != vendor.name:
        Organization.objects.filter(pk=vendor.organization_id).update(name=vendor.name)
    return vendor


@transaction.atomic
def delete_vendor(*, actor: User, vendor: Vendor) -> None:
    """Delete a vendor that has no engagements and no users."""
    if vendor.engagements.exists():
        raise ValidationError(
            f"{vendor.name} has engagements; end or delete them before deleting the vendor."
        )
    if vendor.organization.users.exists():
        raise ValidationError(
            f"{vendor.name} still has user accounts; deactivate and remove them first."
        )
    organization = vendor.organization
    delete_audited(actor=actor, instance=vendor)
    organization.delete()


@transaction.atomic
def add_vendor_item(*, actor: User, vendor: Vendor, model: type[Any], **fields: Any) -> Any:
    """Add a location, certificate, case study, reference, rate-card line or document."""
    return create_audited(actor=actor, instance=model(vendor=vendor, **fields))


@transaction.atomic
def update_vendor_item(*, actor: User, item: Any, **fields: Any) -> Any:
    """Change one piece of a vendor's evidence."""
    return update_audited(actor=actor, instance=item, fields=fields)


@transaction.atomic
def delete_vendor_item(*, actor: User, item: Any) -> None:
    """Remove one piece of a vendor's evidence (its file goes with it after commit)."""
    files = [getattr(item, f.name) for f in item._meta.fields if f.get_internal_type() == "FileField"]
    delete_audited(actor=actor, instance=item)
    for stored in files:
        if stored:
            transaction.on_commit(lambda stored=stored: stored.storage.delete(stored.name))
