"""Widgets and helpers every delivery form uses."""

from __future__ import annotations

import re
from typing import Any

from django import forms

DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"})
TEXT = {"class": "form-control"}
SELECT = {"class": "form-select"}


def split_items(value: str) -> list[str]:
    """Items written one per line or separated by commas, stripped, without duplicates."""
    seen: list[str] = []
    for part in re.split(r"[\n,]", value or ""):
        item = part.strip()
        if item and item not in seen:
            seen.append(item)
    return seen


def choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    return field


def joined(values: Any) -> str:
    return "\n".join(str(v) for v in values) if isinstance(values, list) else str(values or "")


# Scope fields by kind: (field name, scope key, is a list). The model docstring lists the keys
# each connector reads.
