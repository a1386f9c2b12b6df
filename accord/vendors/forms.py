"""Forms for a vendor's profile and each piece of its evidence, styled for Tabler."""

from __future__ import annotations

import zoneinfo
from functools import cache
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from accord.lib.uploads import ALLOWED_EXTENSIONS
from accord.vendors.models import (
    CaseStudy,
    Certification,
    DeliveryLocation,
    RateCardLine,
    Reference,
    Vendor,
    VendorDocument,
)

ACCEPT = ",".join(ALLOWED_EXTENSIONS)


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    """IANA zones by region (Europe/Warsaw…), without legacy aliases such as EST or US/Pacific."""
    regions = ("Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe",
               "Indian", "Pacific")  # fmt: skip
    names = sorted(name for name in zoneinfo.available_timezones() if name.split("/")[0] in regions)
    return [("", "Choose a time zone"), ("UTC", "UTC")] + [(n, n.replace("_", " ")) for n in names]


class CheckboxList(forms.CheckboxSelectMultiple):
    """Checkboxes laid out in columns, Tabler style."""

    template_name = "vendors/widgets/checkbox_list.html"
    group_label = ""

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["widget"]["group_label"] = self.group_label
        return context


class LongSelect(forms.Select):
    """A select for hundreds of options (countries, time zones), rendered in one loop rather
    than one template per option."""

    template_name = "vendors/widgets/select.html"


def _css_class(widget: forms.Widget) -> str:
    if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
        return "form-check-input"
    if isinstance(widget, forms.Select):
        return "form-select"
    return "form-control"


class TablerModelForm(forms.ModelForm):
    """A ModelForm whose widgets carry Tabler classes, and `is-invalid` once a field has errors."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", _css_class(field.widget))
            if isinstance(field.widget, CheckboxList):
                field.widget.group_label = str(field.label or "")

    def action_fields(self) -> dict[str, Any]:
        """The cleaned values to hand to the action."""
        return dict(self.cleaned_data)

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


def _date() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _time() -> forms.TimeInput:
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _text(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def _currency_code(value: str) -> str:
    return (value or "").strip().upper()


class VendorForm(TablerModelForm):
    website = forms.URLField(
        required=False, assume_scheme="https", help_text="The vendor's public site."
    )

    class Meta:
        model = Vendor
        fields = [
            "name",
            "legal_name",
            "website",
            "headquarters_country",
            "founded_year",
            "description",
            "team_size",
            "scale_up_capacity",
            "scale_up_weeks",
            "scale_down_notice_weeks",
            "industries",
            "capabilities",
            "pricing_model",
            "currency",
            "pricing_notes",
        ]
        labels = {
            "headquarters_country": "Headquarters country",
            "founded_year": "Founded (year)",
            "team_size": "Team size",
            "scale_up_capacity": "Engineers they can add",
            "scale_up_weeks": "Weeks to add them",
            "scale_down_notice_weeks": "Notice to scale down (weeks)",
            "industries": "Industries served",
            "capabilities": "Technology capabilities",
            "currency": "Rate card currency",
        }
        help_texts = {
            "currency": "Three-letter ISO 4217 code, such as EUR or USD.",
            "pricing_notes": "Invoicing, fees, what is and is not included.",
        }
        widgets = {
            "description": _text(4),
            "pricing_notes": _text(3),
            "industries": CheckboxList,
            "capabilities": CheckboxList,
            "headquarters_country": LongSelect,
        }

    def clean_currency(self) -> str:
        return _currency_code(self.cleaned_data.get("currency", ""))


class DeliveryLocationForm(TablerModelForm):
    time_zone = forms.ChoiceField(
        label="Time zone",
        choices=time_zone_choices,
        widget=LongSelect,
        help_text="The IANA name, such as Europe/Warsaw.",
        error_messages={
            "invalid_choice": "“%(value)s” is not an IANA time zone such as Europe/Berlin.",
            "required": "Choose the time zone the team works in.",
        },
    )

    class Meta:
        model = DeliveryLocation
        fields = ["city", "country", "time_zone", "work_start", "work_end", "headcount"]
        labels = {
            "work_start": "Working day starts",
            "work_end": "Working day ends",
            "headcount": "Engineers here",
        }
        help_texts = {"work_start": "Local time.", "work_end": "Local time."}
        widgets = {"work_start": _time(), "work_end": _time(), "country": LongSelect}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = self.instance.time_zone
        field = self.fields["time_zone"]
        assert isinstance(field, forms.ChoiceField)
        if current and current not in dict(time_zone_choices()):
            # An older, still valid alias stays selectable so editing keeps it.
            field.choices = [*time_zone_choices(), (current, current)]


class EvidenceForm(TablerModelForm):
    """A form with one upload. Its input never links to the stored file (downloads go through
    views that ask the policy); on edit the file may be kept, replaced or (if optional) removed."""

    file_field = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields[self.file_field]
        field.widget = forms.FileInput(attrs={"class": "form-control", "accept": ACCEPT})
        field.help_text = (
            f"Up to {settings.MAX_UPLOAD_MB} MB: {', '.join(e[1:] for e in ALLOWED_EXTENSIONS)}."
        )
        if getattr(self.instance, self.file_field):
            optional = self.instance._meta.get_field(self.file_field).blank
            field.required = False
            field.help_text = "Leave empty to keep the current file. " + field.help_text
            if optional:
                self.fields["remove_file"] = forms.BooleanField(
                    required=False,
                    label="Remove the current file",
                    widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
                )

    def action_fields(self) -> dict[str, Any]:
        """A new upload, "" to remove the current file, or no file field to keep it."""
        data = {k: v for k, v in self.cleaned_data.items() if k != "remove_file"}
        upload = data.pop(self.file_field, None)
        if isinstance(upload, UploadedFile):
            data[self.file_field] = upload
        elif self.cleaned_data.get("remove_file"):
            data[self.file_field] = ""
        return data


class CertificationForm(EvidenceForm):
    file_field = "evidence"

    class Meta:
        model = Certification
        fields = ["kind", "name", "issuer", "reference", "valid_from", "valid_until", "evidence"]
        labels = {
            "kind": "Certificate or regulation",
            "name": "Name",
            "reference": "Certificate number",
            "valid_from": "Valid from",
            "valid_until": "Valid until",
            "evidence": "Evidence",
        }
        help_texts = {
            "name": "Only when the kind is “Other”.",
            "reference": "As printed on the certificate.",
            "valid_until": "Leave empty if it does not expire.",
        }
        widgets = {"valid_from": _date(), "valid_until": _date()}


class VendorDocumentForm(EvidenceForm):
    file_field = "file"

    class Meta:
        model = VendorDocument
        fields = ["kind", "title", "version", "file"]
        labels = {"kind": "Kind of document", "file": "File"}
        help_texts = {"version": "As the document names it, such as 3.2 or 2025.1."}


class CaseStudyForm(TablerModelForm):
    url = forms.URLField(
        label="Link", required=False, assume_scheme="https", help_text="A public write-up, if any."
    )

    class Meta:
        model = CaseStudy
        fields = ["title", "client_name", "industry", "year", "summary", "outcome", "url"]
        labels = {"client_name": "Client", "summary": "What they did", "outcome": "Outcome"}
        help_texts = {
            "client_name": "Leave empty if the client is not named.",
            "outcome": "Measured results, such as “release cadence from quarterly to fortnightly”.",
        }
        widgets = {"summary": _text(3), "outcome": _text(2)}


class ReferenceForm(TablerModelForm):
    class Meta:
        model = Reference
        fields = [
            "kind",
            "company",
            "contact_name",
            "contact_role",
            "email",
            "phone",
            "quote",
            "may_contact",
        ]
        labels = {
            "contact_name": "Contact",
            "contact_role": "Their role",
            "quote": "Testimonial",
            "may_contact": "The client agreed to be contacted",
        }
        help_texts = {"quote": "The words the client used, for a testimonial."}
        widgets = {"quote": _text(3)}


class RateCardLineForm(TablerModelForm):
    class Meta:
        model = RateCardLine
        fields = ["role", "seniority", "amount", "currency", "unit", "note"]
        labels = {"amount": "Rate", "unit": "Per"}
        help_texts = {
            "amount": "Leave empty when the vendor gave no price.",
            "currency": "Three-letter ISO 4217 code, such as EUR.",
        }

    def clean_currency(self) -> str:
        return _currency_code(self.cleaned_data.get("currency", ""))
