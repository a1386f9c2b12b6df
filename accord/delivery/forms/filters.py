"""Record filters read from the query string."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from accord.delivery.forms.common import DATE, choice_field
from accord.delivery.models import Category, DataSource


class RecordFilterForm(forms.Form):
    """Filters read from the query string; invalid values are reported and ignored."""

    source = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, sources: list[DataSource], **kw: Any) -> None:
        super().__init__(*args, **kw)
        choice_field(self, "source").choices = [("", "All sources")] + [
            (s.pk, s.name) for s in sources
        ]
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            elif isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif not isinstance(widget, forms.DateInput):
                widget.attrs.setdefault("class", "form-control")

    def values(self) -> dict[str, Any]:
        """The filters that are valid; an invalid one is shown as an error and not applied."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "", False)}

    def _check_range(self, start: str, end: str) -> None:
        first, last = self.cleaned_data.get(start), self.cleaned_data.get(end)
        if isinstance(first, dt.date) and isinstance(last, dt.date) and last < first:
            self.add_error(end, "The end of the range is before its start.")


class WorkItemFilterForm(RecordFilterForm):
    search = forms.CharField(label="Key or title", required=False, max_length=200)
    category = forms.ChoiceField(
        label="Status category", required=False, choices=[("", "Any"), *Category.choices]
    )
    item_type = forms.ChoiceField(label="Type", required=False)
    assignee = forms.TypedChoiceField(
        label="Assignee", required=False, coerce=int, empty_value=None
    )
    done_from = forms.DateField(label="Done from", required=False, widget=DATE)
    done_to = forms.DateField(label="Done to", required=False, widget=DATE)

    def __init__(self, *args: Any, types: list[str], people: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        choice_field(self, "item_type").choices = [("", "Any")] + [(t, t) for t in types]
        choice_field(self, "assignee").choices = [("", "Anyone")] + [
            (p.pk, p.display_name) for p in people
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self._check_range("done_from", "done_to")
        return data


class PullRequestFilterForm(RecordFilterForm):
    repo = forms.ChoiceField(label="Repository", required=False)
    author = forms.CharField(label="Author", required=False, max_length=200)
    state = forms.ChoiceField(
        label="State",
        required=False,
        choices=[("", "Any"), ("open", "Open"), ("closed", "Closed"), ("merged", "Merged")],
    )
    merged_from = forms.DateField(label="Merged from", required=False, widget=DATE)
    merged_to = forms.DateField(label="Merged to", required=False, widget=DATE)

    def __init__(self, *args: Any, repos: list[str], **kw: Any) -> None:
        super().__init__(*args, **kw)
        choice_field(self, "repo").choices = [("", "All repositories")] + [(r, r) for r in repos]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self._check_range("merged_from", "merged_to")
        return data


class DeploymentFilterForm(RecordFilterForm):
    environment = forms.ChoiceField(label="Environment", required=False)
    production_only = forms.BooleanField(label="Production only", required=False)

    def __init__(self, *args: Any, environments: list[str], **kw: Any) -> None:
        super().__init__(*args, **kw)
        choice_field(self, "environment").choices = [("", "All environments")] + [
            (e, e) for e in environments
        ]


class IncidentFilterForm(RecordFilterForm):
    open_only = forms.BooleanField(label="Unresolved only", required=False)
    started_from = forms.DateField(label="Started from", required=False, widget=DATE)
    started_to = forms.DateField(label="Started to", required=False, widget=DATE)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self._check_range("started_from", "started_to")
        return data


class CommitFilterForm(RecordFilterForm):
    repo = forms.ChoiceField(label="Repository", required=False)
    author = forms.CharField(label="Author name or email", required=False, max_length=200)
    committed_from = forms.DateField(label="Committed from", required=False, widget=DATE)
    committed_to = forms.DateField(label="Committed to", required=False, widget=DATE)

    def __init__(self, *args: Any, repos: list[str], **kw: Any) -> None:
        super().__init__(*args, **kw)
        choice_field(self, "repo").choices = [("", "All repositories")] + [(r, r) for r in repos]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self._check_range("committed_from", "committed_to")
        return data
