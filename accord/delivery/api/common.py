"""Plumbing the delivery API modules share: query-string filters, scoping and errors."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from accord.accounts import policy
from accord.accounts.models import User
from accord.delivery.models import (
    DataSource,
)
from accord.lib.api import PolicyPermission


def _actor(request: Request) -> User:
    assert isinstance(request.user, User)
    return request.user


ERROR = inline_serializer("DeliveryError", fields={"detail": serializers.CharField()})


class RecordPermission(PolicyPermission):
    """Records and runs are judged by the data source they came from."""

    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        return policy.can(request.user, self._perm(view), obj.data_source)


_ENGAGEMENT = OpenApiParameter(
    "engagement", OpenApiTypes.STR, description="Only this engagement's (by slug)."
)
_SOURCE = OpenApiParameter("source", OpenApiTypes.INT, description="Only this data source's.")


def _int(params: Any, name: str) -> int | None:
    value = params.get(name, "")
    if not value:
        return None
    if not value.isdigit():
        raise ValidationError({name: f"The {name} filter must be an id, a whole number."})
    return int(value)


def _date(params: Any, name: str) -> dt.date | None:
    value = params.get(name, "")
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError({name: f"“{value}” is not a date; write it as YYYY-MM-DD."}) from None


def _bool(params: Any, name: str) -> bool:
    value = params.get(name, "").lower()
    if value in ("", "false", "0", "no"):
        return False
    if value in ("true", "1", "yes"):
        return True
    raise ValidationError({name: f"“{value}” is not true or false."})


def _visible_sources(request: Request) -> QuerySet[DataSource]:
    sources = policy.visible_data_sources(request.user)
    slug = request.query_params.get("engagement", "")
    if slug:
        sources = sources.filter(engagement__slug=slug)
    return sources
