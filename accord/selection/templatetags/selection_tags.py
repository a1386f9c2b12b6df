"""Small template helpers for the selection pages."""

from __future__ import annotations

from typing import Any

from django import forms, template

from accord.vendors.models import CertificationKind, PricingModel, RateUnit

register = template.Library()


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """`{{ labels|get_item:kind }}`: a dictionary value by a variable key."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def field(form: forms.BaseForm, pk: int) -> forms.BoundField:
    """`{{ form|field:criterion.pk }}`: the weight field of one criterion."""
    return form[f"w{pk}"]


@register.filter
def percent(share: float | None) -> str:
    """0.253 → "25.3 %"."""
    if share is None:
        return "—"
    return f"{share * 100:.1f} %"


@register.filter
def signed_points(change: float | None) -> str:
    """-0.072 → "-7.2 points"."""
    if change is None:
        return "no change flips it"
    sign = "+" if change > 0 else "-"
    return f"{sign}{abs(change) * 100:.1f} points"


_LABELS: dict[str, dict[str, str]] = {
    "pricing": dict(PricingModel.choices),
    "certificate": dict(CertificationKind.choices),
    "unit": dict(RateUnit.choices),
}


@register.filter
def label(value: str, kind: str) -> str:
    """`{{ promise.pricing_model|label:"pricing" }}`: the display name of a stored choice."""
    return _LABELS.get(kind, {}).get(value, value)
