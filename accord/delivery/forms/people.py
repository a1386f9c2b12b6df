"""People forms: email-domain rules, dated affiliations and the people filter."""

from __future__ import annotations

from typing import Any

from django import forms

from accord.accounts.models import Organization, OrganizationKind
from accord.delivery.forms.common import DATE, SELECT, TEXT, choice_field


def _organizations() -> Any:
    """The client first, then the vendors by name."""
    return Organization.objects.order_by("kind", "name")


class OrganizationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        side = "client" if obj.kind == OrganizationKind.CLIENT else "vendor"
        return f"{obj.name} ({side})"


class AffiliationRuleForm(forms.Form):
    domain = forms.CharField(
        label="Email domain",
        max_length=200,
        widget=forms.TextInput(attrs={**TEXT, "placeholder": "example.com"}),
    )
    organization = OrganizationChoiceField(
        label="Works for",
        empty_label="Choose the client or a vendor",
        queryset=Organization.objects.none(),
        widget=forms.Select(attrs=SELECT),
    )

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["organization"].queryset = _organizations()  # type: ignore[attr-defined]


class AffiliationForm(forms.Form):
    organization = OrganizationChoiceField(
        label="Works for",
        empty_label="Choose the client or a vendor",
        queryset=Organization.objects.none(),
        widget=forms.Select(attrs=SELECT),
    )
    valid_from = forms.DateField(
        label="From", required=False, widget=DATE, help_text="Empty: since before any data."
    )
    valid_until = forms.DateField(
        label="Until", required=False, widget=DATE, help_text="The last day; empty: still."
    )

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["organization"].queryset = _organizations()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", "The end date is before the start date.")
        return data


class PeopleFilterForm(forms.Form):
    search = forms.CharField(
        label="Name, email or account", required=False, widget=forms.TextInput(attrs=TEXT)
    )
    organization = forms.TypedChoiceField(
        label="Works for",
        required=False,
        coerce=int,
        empty_value=None,
        widget=forms.Select(attrs=SELECT),
    )

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        choice_field(self, "organization").choices = [("", "Anyone")] + [
            (o.pk, o.name) for o in _organizations()
        ]
