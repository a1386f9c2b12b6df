"""Forms for engagements, their contacts, notes and documents (Tabler-styled)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from accord.accounts import policy
from accord.accounts.policy import AnyUser
from accord.engagements.models import (
    Contact,
    ContactSide,
    Document,
    Engagement,
    EngagementStatus,
    Note,
    Visibility,
)
from accord.lib.uploads import ALLOWED_EXTENSIONS
from accord.vendors.models import Vendor


def _style(form: forms.BaseForm) -> None:
    """Give every widget the Tabler class its kind needs."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class EngagementForm(forms.ModelForm):
    class Meta:
        model = Engagement
        fields = [
            "name",
            "vendor",
            "status",
            "start_date",
            "end_date",
            "scope",
            "pricing_model",
            "budget",
            "currency",
            "contract_reference",
        ]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "scope": forms.Textarea(attrs={"rows": 4}),
            "budget": forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
            "currency": forms.TextInput(attrs={"maxlength": 3, "autocapitalize": "characters"}),
        }
        labels = {"contract_reference": "Contract reference"}
        help_texts = {
            "scope": "What the vendor delivers, in a few sentences both sides agree on.",
            "budget": "The contract's total value, in the currency below.",
            "currency": "A three-letter ISO 4217 code such as EUR or USD.",
        }

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        vendor_field = self.fields["vendor"]
        assert isinstance(vendor_field, forms.ModelChoiceField)
        vendor_field.queryset = policy.visible_vendors(user).order_by("name")
        vendor_field.error_messages["invalid_choice"] = (
            "Choose one of the vendors in the list; that one does not exist."
        )
        _style(self)

    def clean_currency(self) -> str:
        return str(self.cleaned_data.get("currency") or "").strip().upper()


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["side", "name", "role", "email", "phone"]
        labels = {"side": "Side", "role": "Role in the engagement"}
        widgets = {
            "email": forms.EmailInput(attrs={"autocomplete": "off"}),
            "phone": forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        side = self.fields["side"]
        assert isinstance(side, forms.ChoiceField)
        side.choices = [("", "Client or vendor?"), *ContactSide.choices]
        _style(self)


class NoteForm(forms.ModelForm):
    class Meta:
        model = Note
        fields = ["body", "visibility"]
        labels = {"body": "Note", "visibility": "Who may read it"}
        widgets = {"body": forms.Textarea(attrs={"rows": 3})}
        error_messages = {"body": {"required": "Write something before saving the note."}}

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not policy.can(user, policy.Perm.VIEW_INTERNAL):
            # Vendor users write for both sides; their notes are always shared.
            del self.fields["visibility"]
        else:
            self.fields["visibility"].required = False
        _style(self)

    def clean_visibility(self) -> str:
        """Internal unless the writer says otherwise, as everywhere else."""
        return str(self.cleaned_data.get("visibility") or Visibility.INTERNAL)


class DocumentForm(forms.ModelForm):
    class Meta:
        model = Document
        fields = ["title", "file", "visibility"]
        labels = {"visibility": "Who may see it"}
        widgets = {"file": forms.FileInput(attrs={"accept": ",".join(ALLOWED_EXTENSIONS)})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = (
            "PDF, Word, Excel, PowerPoint, PNG, JPEG, plain text, Markdown or CSV; "
            f"at most {settings.MAX_UPLOAD_MB} MB."
        )
        self.fields["file"].error_messages["required"] = "Choose a file to upload."
        _style(self)


class DocumentVisibilityForm(forms.ModelForm):
    class Meta:
        model = Document
        fields = ["visibility"]


class EngagementFilterForm(forms.Form):
    q = forms.CharField(label="Name", required=False, max_length=200, widget=forms.SearchInput())
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Any status"), *EngagementStatus.choices],
    )
    vendor: forms.ModelChoiceField[Vendor] = forms.ModelChoiceField(
        label="Vendor", required=False, queryset=None, empty_label="Any vendor"
    )

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        vendor_field = self.fields["vendor"]
        assert isinstance(vendor_field, forms.ModelChoiceField)
        vendor_field.queryset = policy.visible_vendors(user).order_by("name")
        vendor_field.error_messages["invalid_choice"] = (
            "That vendor is not in the list, so engagements of every vendor are shown."
        )
        self.fields["status"].error_messages["invalid_choice"] = (
            "“%(value)s” is not a status, so engagements in every status are shown."
        )
        _style(self)

    def filters(self) -> dict[str, Any]:
        """The valid filters only; a bad value is reported and ignored, not guessed at."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "search": data.get("q") or "",
            "status": data.get("status") or "",
            "vendor": data.get("vendor"),
        }
