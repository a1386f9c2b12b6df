"""Writes about engagements, their contacts, notes and documents."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.storage import Storage
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from accord.accounts.models import User
from accord.audit.actions import create_audited, delete_audited, update_audited
from accord.engagements.models import Contact, Document, Engagement, Note, Visibility
from accord.lib.slugs import unique_slug
from accord.vendors.models import Vendor

# Path segments under /engagements/ that are pages, not engagements.
RESERVED_SLUGS = frozenset({"new"})


def _delete_file_after_commit(storage: Storage, name: str | None) -> None:
    """Remove a stored file once the deletion of its row is committed (never before)."""
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def _normalized(fields: dict[str, Any]) -> dict[str, Any]:
    """Money as stored (two decimals), so the audit log does not see 1850000 → 1850000.00."""
    budget = fields.get("budget")
    if budget is None:
        return fields
    try:
        fields["budget"] = Decimal(str(budget)).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise ValidationError(
            {"budget": "The budget must be an amount such as 1250000.00."}
        ) from None
    return fields


def _check_slug(slug: str, *, exclude_pk: int | None = None) -> None:
    if slug in RESERVED_SLUGS:
        raise ValidationError({"slug": f"The slug “{slug}” is reserved; choose another."})
    taken = Engagement.objects.filter(slug=slug)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError({"slug": f"The slug “{slug}” is taken; choose another."})


@transaction.atomic
def create_engagement(
    *, actor: User | None, name: str, vendor: Vendor, **fields: Any
) -> Engagement:
    """Create an engagement with a vendor; the slug comes from the name unless given."""
    slug = fields.pop("slug", None)
    if slug:
        _check_slug(slug)
    else:
        slug = unique_slug(Engagement, name)
        if slug in RESERVED_SLUGS:
            slug = unique_slug(Engagement, f"{slug} engagement")
    instance = Engagement(name=name.strip(), vendor=vendor, slug=slug, **_normalized(fields))
    # Two people may create engagements with the same name at once: the slug looked free when
    # it was chosen, and the unique check (or, in the narrowest race, the index) says otherwise.
    taken = ValidationError(
        {"slug": f"Another engagement took the slug “{slug}” a moment ago; save again."}
    )
    try:
        with transaction.atomic():
            return create_audited(actor=actor, instance=instance)
    except IntegrityError:
        raise taken from None
    except ValidationError as exc:
        slug_errors = exc.error_dict.get("slug", []) if hasattr(exc, "error_dict") else []
        if any(error.code == "unique" for error in slug_errors):
            raise taken from None
        raise


@transaction.atomic
def update_engagement(*, actor: User, engagement: Engagement, **fields: Any) -> Engagement:
    """Change an engagement's fields."""
    if "slug" in fields and fields["slug"] != engagement.slug:
        _check_slug(fields["slug"], exclude_pk=engagement.pk)
    if isinstance(fields.get("name"), str):
        fields["name"] = fields["name"].strip()
    return update_audited(actor=actor, instance=engagement, fields=_normalized(fields))


@transaction.atomic
def delete_engagement(*, actor: User, engagement: Engagement) -> None:
    """Delete an engagement with its contacts, notes and documents."""
    stored = [(doc.file.storage, doc.file.name) for doc in engagement.documents.all()]
    try:
        delete_audited(actor=actor, instance=engagement)
    except ProtectedError as exc:
        kinds = sorted({str(obj._meta.verbose_name_plural) for obj in exc.protected_objects})
        raise ValidationError(
            f"“{engagement.name}” still has {', '.join(kinds)}; remove them first."
        ) from None
    for storage, name in stored:
        _delete_file_after_commit(storage, name)


@transaction.atomic
def add_contact(*, actor: User, engagement: Engagement, **fields: Any) -> Contact:
    """Add a person to an engagement's contacts."""
    return create_audited(actor=actor, instance=Contact(engagement=engagement, **fields))


@transaction.atomic
def update_contact(*, actor: User, contact: Contact, **fields: Any) -> Contact:
    """Change a contact."""
    return update_audited(actor=actor, instance=contact, fields=fields)


@transaction.atomic
def delete_contact(*, actor: User, contact: Contact) -> None:
    """Remove a contact."""
    delete_audited(actor=actor, instance=contact)


@transaction.atomic
def add_note(*, actor: User, engagement: Engagement, body: str, visibility: str) -> Note:
    """Add a note; a vendor user's note is always shared, since they wrote it for both sides."""
    if actor.is_vendor_user:
        visibility = Visibility.SHARED
    if not body.strip():
        raise ValidationError({"body": "Write something before saving the note."})
    return create_audited(
        actor=actor,
        instance=Note(
            engagement=engagement, author=actor, body=body.strip(), visibility=visibility
        ),
    )


@transaction.atomic
def delete_note(*, actor: User, note: Note) -> None:
    """Remove a note."""
    delete_audited(actor=actor, instance=note)


@transaction.atomic
def add_document(
    *, actor: User, engagement: Engagement, title: str, file: Any, visibility: str
) -> Document:
    """Attach a checked document to an engagement."""
    return create_audited(
        actor=actor,
        instance=Document(
            engagement=engagement,
            title=title.strip(),
            file=file,
            original_name=(getattr(file, "name", "") or "")[:200],
            visibility=visibility,
            uploaded_by=actor,
        ),
    )


@transaction.atomic
def update_document(*, actor: User, document: Document, **fields: Any) -> Document:
    """Change a document's title or visibility."""
    unknown = set(fields) - {"title", "visibility"}
    if unknown:
        names = ", ".join(sorted(unknown))
        raise ValidationError(f"Only a document's title and visibility can change, not {names}.")
    return update_audited(actor=actor, instance=document, fields=fields)


@transaction.atomic
def delete_document(*, actor: User, document: Document) -> None:
    """Remove a document and, after commit, its file."""
    storage, name = document.file.storage, document.file.name
    delete_audited(actor=actor, instance=document)
    _delete_file_after_commit(storage, name)
