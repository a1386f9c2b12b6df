"""Writing audit events, and the audited create/update/delete every other app's actions use."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models, transaction

from accord.audit.models import AuditAction, AuditEvent
from accord.lib.crypto import EncryptedTextField

if TYPE_CHECKING:
    from accord.accounts.models import User
    from accord.engagements.models import Engagement

M = TypeVar("M", bound=models.Model)


class Secret(str):
    """A secret's value in a snapshot: compared as itself, recorded only as set or not."""


def _plain(value: Any) -> Any:
    """Turn a field value into something JSON can hold and a person can read."""
    if isinstance(value, Secret):
        # Credentials and webhook secrets never reach the audit log, only that they changed.
        return "(secret set)" if value else ""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if hasattr(value, "name") and hasattr(value, "storage"):  # a FieldFile
        return value.name or None
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    return str(value)


def snapshot(instance: models.Model, *, plain: bool = True) -> dict[str, Any]:
    """The instance's concrete field values (foreign keys by id); JSON-ready unless plain=False."""
    convert = _plain if plain else (lambda value: value)
    values: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if field.primary_key:
            continue
        value = getattr(instance, field.attname)
        if isinstance(field, EncryptedTextField) or (
            field.name == "password" and isinstance(instance, AbstractBaseUser)
        ):
            # A password hash is a secret too: the log records only that one is set.
            value = Secret(value or "")
        if hasattr(value, "storage"):  # compare stored files by name, not by file object
            value = value.name or None
        values[field.name] = convert(value)
    if instance.pk is not None:
        for m2m in instance._meta.many_to_many:
            values[m2m.name] = sorted(getattr(instance, m2m.name).values_list("pk", flat=True))
    return values


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Fields whose value changed, as {field: [before, after]} in JSON-ready form.

    Values are compared as Python values, so 1850000 and 1850000.00 are the same amount."""
    return {
        name: [_plain(before.get(name)), _plain(after.get(name))]
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }


def record_event(
    *,
    actor: User | None,
    action: str,
    instance: models.Model,
    changes: dict[str, list[Any]],
    engagement: Engagement | None = None,
    shared: bool = False,
) -> AuditEvent:
    """Append one audit event describing a change to `instance`."""
    return AuditEvent.objects.create(
        actor=actor,
        actor_name=actor.username if actor is not None else "",
        action=action,
        object_type=instance._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        changes=changes,
        engagement=engagement,
        shared=shared,
    )


def _scope(instance: models.Model) -> tuple[Engagement | None, bool]:
    """The engagement an object belongs to and whether the vendor may see it."""
    audit_scope = getattr(instance, "audit_scope", None)
    if audit_scope is None:
        return None, False
    engagement, shared = audit_scope()
    return engagement, shared


@transaction.atomic
def create_audited(*, actor: User | None, instance: M, m2m: dict[str, Any] | None = None) -> M:
    """Validate and save a new object, set its many-to-many values, and record the creation."""
    instance.full_clean()
    instance.save()
    for name, values in (m2m or {}).items():
        getattr(instance, name).set(values)
    after = snapshot(instance)
    engagement, shared = _scope(instance)
    record_event(
        actor=actor,
        action=AuditAction.CREATE,
        instance=instance,
        changes={
            name: [None, value] for name, value in after.items() if value not in (None, "", [])
        },
        engagement=engagement,
        shared=shared,
    )
    return instance


@transaction.atomic
def update_audited(
    *,
    actor: User | None,
    instance: M,
    fields: dict[str, Any],
    m2m: dict[str, Any] | None = None,
) -> M:
    """Apply field values, validate, save, and record what changed (nothing if nothing did)."""
    before = snapshot(type(instance)._default_manager.get(pk=instance.pk), plain=False)
    was_engagement, was_shared = _scope(instance)
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.full_clean()
    instance.save()
    for name, values in (m2m or {}).items():
        getattr(instance, name).set(values)
    changes = diff(before, snapshot(instance, plain=False))
    if changes:
        engagement, shared = _scope(instance)
        record_event(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=instance,
            changes=changes,
            engagement=engagement or was_engagement,
            # Once shared, the vendor may see that it changed, including that it became internal.
            shared=shared or was_shared,
        )
    return instance


@transaction.atomic
def delete_audited(*, actor: User | None, instance: models.Model) -> None:
    """Delete an object and record its last values."""
    before = snapshot(instance)
    engagement, shared = _scope(instance)
    record_event(
        actor=actor,
        action=AuditAction.DELETE,
        instance=instance,
        changes={
            name: [value, None] for name, value in before.items() if value not in (None, "", [])
        },
        engagement=engagement,
        shared=shared,
    )
    instance.delete()
