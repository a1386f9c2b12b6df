"""Metrics forms: importing KPI values and survey responses from CSV."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.db import models


class ImportKind(models.TextChoices):
    KPI_VALUES = "kpi_values", "KPI values"
    SURVEYS = "surveys", "Survey responses"


class MetricsImportForm(forms.Form):
    """Which kind of CSV and the file; `file` cleans to its bytes, within the upload limit."""

    kind = forms.ChoiceField(
        label="What the file holds",
        choices=ImportKind.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    file = forms.FileField(
        label="CSV file",
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".csv"}),
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        limit = settings.MAX_UPLOAD_MB * 1024 * 1024
        if upload.size is not None and upload.size > limit:
            raise forms.ValidationError(
                f"“{upload.name}” is {upload.size / 1024 / 1024:.1f} MB; the limit is "
                f"{settings.MAX_UPLOAD_MB} MB."
            )
        data: bytes = upload.read()
        return data
