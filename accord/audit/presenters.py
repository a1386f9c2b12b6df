"""Audit events as a person reads them: names instead of ids, labels instead of codes, local times.

The stored diff stays raw (ids, ISO timestamps, choice values); this module only presents it.
Every page that shows audit events, and the API, call `present_events` on one page of events:
it resolves the foreign keys of the whole page in bulk, one query per related model.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import dateformat, timezone
from django.utils.text import capfirst

from accord.accounts import policy
from accord.audit.models import AuditEvent
from accord.lib.crypto import EncryptedTextField

if TYPE_CHECKING:
    from accord.accounts.policy import AnyUser

# Text longer than this shows its beginning and a "show" toggle with the rest.
SHORT_TEXT = 80
SECRET_SET = "(secret set)"

# Related objects a vendor user may not be allowed to see are looked up through the policy, so
# a history never names another vendor's object; the rest (users, industries…) by their manager.
_SCOPED: dict[str, Callable[[AnyUser], models.QuerySet[Any]]] = {
    "vendors.vendor": policy.visible_vendors,
    "engagements.engagement": policy.visible_engagements,
    "delivery.datasource": policy.visible_data_sources,
    "delivery.person": policy.visible_people,
    "selection.evaluation": policy.visible_evaluations,
    "selection.candidate": policy.visible_candidacies,
}


@dataclass(frozen=True)
class ShownValue:
    """One side of a change as text; `full` holds the whole text when `text` is cut short."""

    text: str
    full: str = ""
    empty: bool = False


@dataclass(frozen=True)
class ShownChange:
    """A changed field: its label, and the value before and after (None for "not there")."""

    field: str
    label: str
    before: ShownValue | None
    after: ShownValue | None


@dataclass(frozen=True)
class ShownEvent:
    """An audit event with its changes and times in words, ready for a page or the API."""

    event: AuditEvent
    object_label: str
    when: str
    exact: str
    changes: list[ShownChange]

    def __getattr__(self, name: str) -> Any:
        # Everything else reads as on the event itself (at, actor_name, object_repr, shared…),
        # so templates and callers that took events take presented events unchanged.
        if name.startswith("__") or name == "event":
            raise AttributeError(name)  # not set yet (copy, pickle): no endless lookup
        return getattr(self.event, name)

    @property
    def action_label(self) -> str:
        return self.event.get_action_display()


def relative_time(at: dt.datetime, now: dt.datetime) -> str:
    """'just now', '2 minutes ago', '3 hours ago', 'yesterday', '4 days ago', else the date."""
    seconds = (now - at).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return _ago(int(seconds // 60), "minute")
    if seconds < 86400:
        return _ago(int(seconds // 3600), "hour")
    days = (timezone.localtime(now).date() - timezone.localtime(at).date()).days
    if days <= 1:
        return "yesterday"
    if days < 7:
        return f"{days} days ago"
    return dateformat.format(timezone.localtime(at), "j M Y")


def _ago(count: int, unit: str) -> str:
    return f"{count} {unit}{'' if count == 1 else 's'} ago"


def exact_time(at: dt.datetime) -> str:
    """The moment in the viewer's zone (the active one), with the zone's abbreviation."""
    return dateformat.format(timezone.localtime(at), "j M Y, H:i T")


def _model(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None  # a model removed since the event was written


def _field(model: type[models.Model] | None, name: str) -> models.Field[Any, Any] | None:
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None


def _is_secret(model: type[models.Model] | None, field: models.Field[Any, Any] | None) -> bool:
    if isinstance(field, EncryptedTextField):
        return True
    return (
        model is not None
        and issubclass(model, AbstractBaseUser)
        and field is not None
        and field.name == "password"
    )


def _is_money(model: type[models.Model] | None, field: models.Field[Any, Any] | None) -> bool:
    return isinstance(field, models.DecimalField) and _field(model, "currency") is not None


def _ids(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, list) else [value]


class _Related:
    """Names of related objects as they are now, fetched once per model for a page of events."""

    def __init__(self, user: AnyUser) -> None:
        self.user = user
        self.wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
        self.names: dict[type[models.Model], dict[Any, str]] = {}

    def want(self, model: type[models.Model], ids: Iterable[Any]) -> None:
        self.wanted[model].update(ids)

    def load(self) -> None:
        for model, ids in self.wanted.items():
            scoped = _SCOPED.get(model._meta.label_lower)
            queryset = scoped(self.user) if scoped else model._default_manager.all()
            self.names[model] = {pk: str(obj) for pk, obj in queryset.in_bulk(list(ids)).items()}

    def name(self, model: type[models.Model], pk: Any) -> str:
        found = self.names.get(model, {}).get(pk)
        if found is not None:
            return found
        if model._meta.label_lower in _SCOPED and not policy.is_client(self.user):
            return f"unavailable #{pk}"  # gone, or another vendor's: the vendor may not know which
        return f"deleted #{pk}"


class _Currencies:
    """Currencies of the objects whose money fields changed, one query per object type.

    An update event holds only the fields that changed, so an amount's currency comes from the
    event when it changed too, else from the object as it is now (or its last known value)."""

    def __init__(self) -> None:
        self.wanted: dict[type[models.Model], set[str]] = defaultdict(set)
        self.found: dict[tuple[type[models.Model], str], str] = {}

    def want(self, model: type[models.Model], object_id: str) -> None:
        self.wanted[model].add(object_id)

    def load(self) -> None:
        for model, ids in self.wanted.items():
            pks = [model._meta.pk.to_python(pk) for pk in ids] if model._meta.pk else []
            rows = model._default_manager.filter(pk__in=pks).values_list("pk", "currency")
            for pk, currency in rows:
                self.found[(model, str(pk))] = currency

    def of(self, model: type[models.Model], object_id: str) -> str:
        return self.found.get((model, object_id), "")


def _text(text: str) -> ShownValue:
    if len(text) <= SHORT_TEXT:
        return ShownValue(text)
    return ShownValue(text[: SHORT_TEXT - 1].rstrip() + "…", full=text)


def _money(value: Any, currency: str) -> str:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return f"{currency} {amount:,.2f}".strip()


def _moment(value: Any, field: models.Field[Any, Any]) -> str:
    try:
        if isinstance(field, models.DateTimeField):
            moment = dt.datetime.fromisoformat(str(value))
            if timezone.is_naive(moment):
                moment = moment.replace(tzinfo=dt.UTC)
            return dateformat.format(timezone.localtime(moment), "j M Y, H:i")
        if isinstance(field, models.DateField):
            return dateformat.format(dt.date.fromisoformat(str(value)), "j M Y")
        return dt.time.fromisoformat(str(value)).strftime("%H:%M")
    except ValueError:
        return str(value)


class _Presenter:
    def __init__(self, user: AnyUser) -> None:
        self.related = _Related(user)
        self.currencies = _Currencies()

    def collect(self, event: AuditEvent) -> None:
        """Note which related objects and currencies this event's changes need."""
        model = _model(event.object_type)
        for name, pair in (event.changes or {}).items():
            field = _field(model, name)
            if field is not None and field.is_relation and field.related_model is not None:
                related = field.related_model
                if isinstance(related, type) and issubclass(related, models.Model):
                    for value in pair:
                        self.related.want(related, _ids(value))
            if model is not None and _is_money(model, field) and "currency" not in event.changes:
                self.currencies.want(model, event.object_id)

    def value(self, event: AuditEvent, name: str, value: Any, side: int) -> ShownValue | None:
        """One side (0 before, 1 after) of one field's change, in words."""
        model = _model(event.object_type)
        field = _field(model, name)
        if _is_secret(model, field):
            return ShownValue(SECRET_SET if value else "not set", empty=not value)
        if value is None or value == "" or value == [] or value == {}:
            return None
        if isinstance(value, dict):  # a JSON field: shown as JSON, not as Python's repr
            return _text(json.dumps(value, ensure_ascii=False, sort_keys=True))
        if field is None:
            return _text(value if isinstance(value, str) else str(value))
        if field.is_relation and field.related_model is not None:
            related = field.related_model
            assert isinstance(related, type) and issubclass(related, models.Model)
            return _text(", ".join(self.related.name(related, pk) for pk in _ids(value)))
        if field.flatchoices:
            labels = {str(key): str(label) for key, label in field.flatchoices}
            return _text(labels.get(str(value), str(value)))
        if isinstance(field, models.BooleanField):
            return ShownValue("yes" if value else "no")
        if isinstance(field, models.DateField | models.TimeField):  # DateTimeField included
            return ShownValue(_moment(value, field))
        if _is_money(model, field):
            assert model is not None
            currency = event.changes.get("currency", [None, None])[side] or self.currencies.of(
                model, event.object_id
            )
            return ShownValue(_money(value, currency))
        if isinstance(field, models.FileField):
            return _text(str(value).rsplit("/", 1)[-1])
        return _text(str(value))

    def change(self, event: AuditEvent, name: str, pair: Sequence[Any]) -> ShownChange:
        model = _model(event.object_type)
        field = _field(model, name)
        label = capfirst(str(field.verbose_name)) if field else capfirst(name.replace("_", " "))
        before, after = [*pair, None, None][:2]
        return ShownChange(
            field=name,
            label=label,
            before=self.value(event, name, before, 0),
            after=self.value(event, name, after, 1),
        )

    def event(self, event: AuditEvent, now: dt.datetime) -> ShownEvent:
        model = _model(event.object_type)
        return ShownEvent(
            event=event,
            object_label=str(model._meta.verbose_name) if model else event.object_label,
            when=relative_time(event.at, now),
            exact=exact_time(event.at),
            changes=[
                change
                for name, pair in (event.changes or {}).items()
                # An empty value on both sides ({} on creation, say) says nothing to a reader.
                if (change := self.change(event, name, pair)).before or change.after
            ],
        )


def present_events(
    events: Iterable[AuditEvent], *, user: AnyUser, now: dt.datetime | None = None
) -> list[ShownEvent]:
    """One page of audit events in words, in the active (viewer's) time zone; bulk lookups only."""
    events = list(events)
    presenter = _Presenter(user)
    for event in events:
        presenter.collect(event)
    presenter.related.load()
    presenter.currencies.load()
    moment = now or timezone.now()
    return [presenter.event(event, moment) for event in events]
