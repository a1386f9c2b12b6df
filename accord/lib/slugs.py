"""Unique slugs from names."""

from __future__ import annotations

from django.db.models import Model
from django.utils.text import slugify


def unique_slug(
    model: type[Model], name: str, *, max_length: int = 80, exclude_pk: int | None = None
) -> str:
    """A slug for `name` not yet used by another row of `model` (suffixes -2, -3… when taken)."""
    base = slugify(name)[: max_length - 4].strip("-") or "item"
    taken = model._default_manager.filter(slug__startswith=base)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    used = set(taken.values_list("slug", flat=True))
    slug, n = base, 2
    while slug in used:
        slug = f"{base}-{n}"
        n += 1
    return slug
