"""Forms of the metrics pages: the period picker read from the query string, and the KPI form."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.http import urlencode

from accord.accounts import policy
from accord.accounts.policy import AnyUser
from accord.engagements.models import Engagement
from accord.metrics.catalog import CATALOG, Period
from accord.metrics.catalog.base import GROUPS
from accord.metrics.models import KPI, Better, PeriodKind
from accord.metrics.periods import Bounds, period_containing

CUSTOM = "custom"
# A custom range longer than this would read years of records for one page view.
MAX_CUSTOM_DAYS = 366
DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"})
GROUP_LABELS = {
    "flow": "Flow",
    "sprints": "Sprints",
    "review": "Code review",
    "dora": "DORA",
    "quality": "Quality",
    "strategic": "Strategic",
}
assert set(GROUP_LABELS) == set(GROUPS)


def affiliation_choices(user: AnyUser, engagement: Engagement) -> list[tuple[str, str]]:
    """Everyone, the client, each vendor the user may see (the engagement's first), and mixed."""
    vendors = list(policy.visible_vendors(user).order_by("name"))
    vendors.sort(key=lambda v: v.pk != engagement.vendor_id)
    return [
        ("", "Everyone"),
        ("client", "Client (in-house)"),
        *[(f"vendor:{v.organization_id}", v.name) for v in vendors],
        ("mixed", "Mixed teams"),
    ]


def period_label(kind: str, start: dt.datetime, end: dt.datetime) -> str:
    """How a period reads on a page and a chart axis: "Week 48, 2026", "Nov 2026", "Q4 2026"."""
    if kind == PeriodKind.WEEK:
        year, week, _ = start.isocalendar()
        return f"Week {week}, {year}"
    if kind == PeriodKind.MONTH:
        return start.strftime("%b %Y")
    if kind == PeriodKind.QUARTER:
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    last = (end - dt.timedelta(days=1)).date()
    return f"{start.date():%d %b %Y} to {last:%d %b %Y}"


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Chosen:
    """The period and affiliation a metrics page shows, and links to its neighbours."""

    kind: str
    period: Period
    label: str
    affiliation: str
    affiliation_label: str
    query: str
    previous_query: str
    next_query: str


class PeriodForm(forms.Form):
    """Which period (a calendar week, month or quarter containing a day, or a custom range of
    days, inclusive) and whose work. Invalid values are reported and the defaults shown."""

    kind = forms.ChoiceField(
        label="Period",
        required=False,
        choices=[*PeriodKind.choices, (CUSTOM, "Custom range")],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    at = forms.DateField(label="Containing", required=False, widget=DATE)
    start = forms.DateField(label="From", required=False, widget=DATE)
    end = forms.DateField(label="To (inclusive)", required=False, widget=DATE)
    affiliation = forms.ChoiceField(
        label="Whose work", required=False, widget=forms.Select(attrs={"class": "form-select"})
    )

    def __init__(self, *args: Any, user: AnyUser, engagement: Engagement, **kw: Any) -> None:
        super().__init__(*args, **kw)
        choices = affiliation_choices(user, engagement)
        _choices(self, "affiliation", choices)
        self._affiliation_labels = dict(choices)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == CUSTOM:
            start, end = data.get("start"), data.get("end")
            if start is None or end is None:
                raise forms.ValidationError("A custom range needs both a From and a To date.")
            if end < start:
                raise forms.ValidationError("The To date must not be before the From date.")
            if (end - start).days + 1 > MAX_CUSTOM_DAYS:
                raise forms.ValidationError(
                    f"A custom range may span at most {MAX_CUSTOM_DAYS} days; pick a shorter one."
                )
        return data

    def chosen(self) -> Chosen:
        """The valid choice, or the current month for everyone when the query is not valid."""
        data: dict[str, Any] = self.cleaned_data if self.is_bound and self.is_valid() else {}
        kind = data.get("kind") or PeriodKind.MONTH
        affiliation = data.get("affiliation") or ""
        if kind == CUSTOM:
            start = _midnight(data["start"])
            end = _midnight(data["end"] + dt.timedelta(days=1))
            span = end - start
            previous: Bounds = (start - span, start)
            following: Bounds = (end, end + span)
            base = {"kind": kind}
        else:
            at = data.get("at") or timezone.now().astimezone(dt.UTC).date()
            start, end = period_containing(kind, _midnight(at))
            previous = period_containing(kind, start - dt.timedelta(days=1))
            following = period_containing(kind, end)
            base = {"kind": kind}

        def query(bounds: Bounds) -> str:
            params = dict(base)
            if kind == CUSTOM:
                params["start"] = bounds[0].date().isoformat()
                params["end"] = (bounds[1] - dt.timedelta(days=1)).date().isoformat()
            else:
                params["at"] = bounds[0].date().isoformat()
            if affiliation:
                params["affiliation"] = affiliation
            return urlencode(params)

        return Chosen(
            kind=kind,
            period=Period(start, end),
            label=period_label(kind, start, end),
            affiliation=affiliation,
            affiliation_label=self._affiliation_labels.get(affiliation, "Everyone"),
            query=query((start, end)),
            previous_query=query(previous),
            next_query=query(following),
        )


def metric_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Catalog metrics grouped for a select box."""
    return [
        (GROUP_LABELS[group], [(m.key, m.label) for m in CATALOG.values() if m.group == group])
        for group in GROUPS
    ]


class KPIForm(forms.Form):
    """A manager's KPI: a catalog metric with a target, a warning threshold and a period.

    A plain form, not a ModelForm, so that validating it never changes the KPI before the
    action compares the old values with the new ones."""

    metric_key = forms.ChoiceField(label="Metric")
    name = forms.CharField(
        label="Name",
        required=False,
        max_length=200,
        help_text="Leave empty to use the metric's name.",
    )
    target = forms.FloatField(label="Target")
    warning_threshold = forms.FloatField(
        label="Warning threshold",
        help_text="Between the target and this value the KPI is at risk; beyond it, off track.",
    )
    better = forms.ChoiceField(
        label="Better when",
        required=False,
        choices=[("", "The metric's own direction"), *Better.choices],
    )
    period_kind = forms.ChoiceField(label="Measured per", choices=PeriodKind.choices)
    affiliation = forms.ChoiceField(label="Whose work", required=False)

    def __init__(
        self, *args: Any, user: AnyUser, engagement: Engagement, kpi: KPI | None = None, **kw: Any
    ) -> None:
        if kpi is not None:
            kw.setdefault("initial", {name: getattr(kpi, name) for name in self.base_fields})
        super().__init__(*args, **kw)
        _choices(self, "metric_key", metric_choices())
        _choices(self, "affiliation", affiliation_choices(user, engagement))
        for field in self.fields.values():
            widget = field.widget
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs.setdefault("class", css)

    def kpi_fields(self) -> dict[str, Any]:
        """The cleaned values as the KPI actions take them, the metric's defaults filled in."""
        data = dict(self.cleaned_data)
        metric = CATALOG[data["metric_key"]]
        data["better"] = data["better"] or metric.better
        data["name"] = (data["name"] or metric.label).strip()
        data["affiliation"] = data["affiliation"] or ""
        return data


def _choices(form: forms.Form, name: str, choices: Any) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices
