"""Writes about vendors and their evidence. Each is one transaction with an audit event."""

from __future__ import annotations

import os
from functools import partial
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.storage import Storage
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from accord.accounts.models import Organization, OrganizationKind, User
from accord.audit.actions import create_audited, delete_audited, update_audited
from accord.lib.slugs import unique_slug
from accord.vendors.models import (
    CaseStudy,
    Certification,
    DeliveryLocation,
    RateCardLine,
    Reference,
    Vendor,
    VendorDocument,
)

_M2M = ("industries", "capabilities")

# Path segments the vendor URLs use next to `<slug>/`; a vendor may not take them as its slug.
RESERVED_SLUGS = frozenset({"new"})

# The pieces of evidence a vendor profile holds, each a row pointing at its vendor.
ITEM_MODELS = (DeliveryLocation, Certification, CaseStudy, Reference, RateCardLine, VendorDocument)
Item = TypeVar(
    "Item", DeliveryLocation, Certification, CaseStudy, Reference, RateCardLine, VendorDocument
)

# File field → the field that keeps the name the file was uploaded with (stored names are random).
_ORIGINAL_NAME = {"evidence": "evidence_name", "file": "original_name"}


def _split_m2m(fields: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    plain = {k: v for k, v in fields.items() if k not in _M2M}
    m2m = {k: v for k, v in fields.items() if k in _M2M}
    return plain, m2m


def _vendor_slug(name: str) -> str:
    slug = unique_slug(Vendor, name)
    if slug in RESERVED_SLUGS:
        slug = unique_slug(Vendor, f"{name} vendor")
    return slug


def _is_new_upload(value: Any) -> bool:
    return isinstance(value, File) and not isinstance(value, FieldFile)


def _file_names(item: Any) -> dict[str, str]:
    """The stored file name of each file field of `item` ("" when empty)."""
    return {
        field.name: getattr(item, field.name).name or ""
        for field in item._meta.fields
        if field.get_internal_type() == "FileField"
    }


def _note_uploads(item: Any, fields: dict[str, Any], actor: User | None) -> dict[str, Any]:
    """Fields to set beside new or removed files: the original name, and who uploaded when."""
    fields = dict(fields)
    for file_field, name_field in _ORIGINAL_NAME.items():
        if file_field not in fields or not hasattr(item, name_field):
            continue
        value = fields[file_field]
        if _is_new_upload(value):
            fields.setdefault(name_field, os.path.basename(value.name or "")[:200])
            if isinstance(item, VendorDocument):
                fields.setdefault("uploaded_by", actor)
                fields.setdefault("uploaded_at", timezone.now())
        elif not value:
            fields[file_field] = ""
            fields[name_field] = ""
    return fields


def _delete_files_on_commit(names: list[tuple[Storage, str]]) -> None:
    # Files are removed only once the rows that named them are gone for good; if the
    # transaction rolls back, the files must still be there.
    for storage, name in names:
        if name:
            transaction.on_commit(partial(storage.delete, name))


def _evidence_changed(vendor_id: int) -> None:
    """Keep the red flags of the vendor's open candidacies in step with its profile."""
    # Imported here: selection builds on vendors, so vendors must not import it at load time.
    from accord.selection.actions import refresh_vendor_flags

    refresh_vendor_flags(vendor_id=vendor_id)


@transaction.atomic
def create_vendor(*, actor: User | None, name: str, **fields: Any) -> Vendor:
    """Create a vendor and the organization its users will belong to."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the vendor a name."})
    if Vendor.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": f"A vendor named “{name}” already exists."})
    plain, m2m = _split_m2m(fields)
    organization = Organization.objects.create(name=name, kind=OrganizationKind.VENDOR)
    vendor = Vendor(
        organization=organization,
        name=name,
        slug=plain.pop("slug", None) or _vendor_slug(name),
        **plain,
    )
    return create_audited(actor=actor, instance=vendor, m2m=m2m)


@transaction.atomic
def update_vendor(*, actor: User, vendor: Vendor, **fields: Any) -> Vendor:
    """Change a vendor's profile fields; the organization keeps the vendor's name."""
    plain, m2m = _split_m2m(fields)
    if "name" in plain:
        plain["name"] = (plain["name"] or "").strip()
        if not plain["name"]:
            raise ValidationError({"name": "Give the vendor a name."})
        if Vendor.objects.filter(name__iexact=plain["name"]).exclude(pk=vendor.pk).exists():
            raise ValidationError({"name": f"A vendor named “{plain['name']}” already exists."})
    vendor = update_audited(actor=actor, instance=vendor, fields=plain, m2m=m2m)
    if vendor.organization.name != vendor.name:
        Organization.objects.filter(pk=vendor.organization_id).update(name=vendor.name)
    _evidence_changed(vendor.pk)
    return vendor


@transaction.atomic
def delete_vendor(*, actor: User, vendor: Vendor) -> None:
    """Delete a vendor that has no engagements and no users, with all of its evidence."""
    if vendor.engagements.exists():
        raise ValidationError(
            f"{vendor.name} has engagements; end or delete them before deleting the vendor."
        )
    if vendor.organization.users.exists():
        raise ValidationError(
            f"{vendor.name} still has user accounts; deactivate and remove them first."
        )
    # Each piece of evidence gets its own event, so the log keeps what the profile said.
    for related in ("locations", "certifications", "case_studies", "references", "rate_card",
                    "documents"):  # fmt: skip
        for item in getattr(vendor, related).all():
            delete_vendor_item(actor=actor, item=item)
    organization = vendor.organization
    delete_audited(actor=actor, instance=vendor)
    organization.delete()


@transaction.atomic
def add_vendor_item(
    *, actor: User | None, vendor: Vendor, model: type[Item], **fields: Any
) -> Item:
    """Add a location, certificate, case study, reference, rate-card line or document."""
    if model not in ITEM_MODELS:
        raise TypeError(f"{model.__name__} is not a piece of vendor evidence.")
    item = model(vendor=vendor)
    for name, value in _note_uploads(item, fields, actor).items():
        setattr(item, name, value)
    item = create_audited(actor=actor, instance=item)
    _evidence_changed(vendor.pk)
    return item


@transaction.atomic
def update_vendor_item(*, actor: User | None, item: Item, **fields: Any) -> Item:
    """Change one piece of a vendor's evidence; a replaced or removed file is deleted."""
    # The form that produced `fields` may have changed `item` in memory; ask the database.
    before = _file_names(type(item)._default_manager.get(pk=item.pk))
    item = update_audited(actor=actor, instance=item, fields=_note_uploads(item, fields, actor))
    after = _file_names(item)
    _delete_files_on_commit(
        [
            (getattr(item, name).storage, old)
            for name, old in before.items()
            if old and old != after[name]
        ]
    )
    _evidence_changed(item.vendor_id)
    return item


@transaction.atomic
def delete_vendor_item(*, actor: User | None, item: Any) -> None:
    """Remove one piece of a vendor's evidence (its file goes with it after commit)."""
    files = [(getattr(item, name).storage, stored) for name, stored in _file_names(item).items()]
    delete_audited(actor=actor, instance=item)
    _delete_files_on_commit(files)
    _evidence_changed(item.vendor_id)
