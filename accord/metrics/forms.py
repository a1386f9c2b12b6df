"""Metrics forms: importing KPI values and survey responses from CSV, and a KPI report's days."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.db import models
from django.utils import timezone

from accord.metrics.report import ReportSpan


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


# A report over a longer span would draw a weekly KPI with hundreds of points.
MAX_REPORT_DAYS = 3 * 366
DATE = forms.DateInput(attrs={"type": "date"})


class ReportPeriodForm(forms.Form):
    """The days a KPI report covers; both optional (no From: the dashboard's periods)."""

    start = forms.DateField(label="From", required=False, widget=DATE)
    end = forms.DateField(label="To (inclusive)", required=False, widget=DATE)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start is not None:
            if end is not None and end < start:
                raise forms.ValidationError("The To date must not be before the From date.")
            last = end or timezone.now().date()  # no To: up to today
            if (last - start).days + 1 > MAX_REPORT_DAYS:
                raise forms.ValidationError(
                    f"A report may span at most {MAX_REPORT_DAYS} days; pick a later From date."
                )
        return data

    def span(self) -> ReportSpan:
        """The valid span, or the dashboard's periods when the dates are not valid."""
        data: dict[str, Any] = self.cleaned_data if self.is_bound and self.is_valid() else {}

        def midnight(day: dt.date | None) -> dt.datetime | None:
            return None if day is None else dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)

        end = data.get("end")
        return ReportSpan(
            since=midnight(data.get("start")),
            until=midnight(end + dt.timedelta(days=1) if end is not None else None),
        )
