"""Helpers the delivery views share."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import urlencode

from accord.accounts.models import User
from accord.delivery.models import DataSource


def actor(request: HttpRequest) -> User:
    """The logged-in user (every view here is behind login_required)."""
    assert isinstance(request.user, User)
    return request.user


def source_url(source: DataSource, section: str = "") -> str:
    url = reverse("delivery:source_detail", args=[source.engagement.slug, source.pk])
    return f"{url}#{section}" if section else url


def kept_query(request: HttpRequest, names: set[str] | list[str]) -> str:
    """The filter parameters of the request, for pagination links."""
    kept: dict[str, str] = {}
    for key in names:
        value = request.GET.get(key, "")
        if value:
            kept[key] = value
    return urlencode(kept)
