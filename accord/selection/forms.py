"""Forms for evaluations: requirements, weights, candidates, log, decision and checklist."""

from __future__ import annotations

from typing import Any

from django import forms

from accord.accounts import policy
from accord.accounts.models import CLIENT_ROLES, User
from accord.accounts.policy import AnyUser
from accord.lib.uploads import ALLOWED_EXTENSIONS
from accord.selection.models import (
    EDITABLE_FIELDS,
    CallOutcome,
    Candidate,
    CommunicationKind,
    CriteriaTemplate,
    Criterion,
    Evaluation,
    EvaluationStatus,
)
from accord.selection.queries import Group
from accord.vendors.models import CertificationKind, DocumentKind, Vendor


def _style(form: forms.BaseForm) -> None:
    """Give every widget the Tabler class its kind needs."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple):
            continue
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


_TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class EvaluationForm(forms.ModelForm):
    """The name and requirements profile of an evaluation."""

    required_certifications = forms.MultipleChoiceField(
        choices=CertificationKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Each must be held and valid on the planned start date.",
    )
    required_documents = forms.MultipleChoiceField(
        choices=DocumentKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Process documents every candidate must provide.",
    )

    class Meta:
        model = Evaluation
        fields = EDITABLE_FIELDS
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "capabilities": forms.CheckboxSelectMultiple,
            "client_work_start": _TIME,
            "client_work_end": _TIME,
            "planned_start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        labels = {
            "blind": "Blind scoring",
            "capabilities": "Required technologies",
            "client_time_zone": "Client team's time zone",
            "client_work_start": "Client team starts work at",
            "client_work_end": "Client team ends work at",
            "min_overlap_hours": "Minimum overlap (hours a day)",
            "team_size_needed": "Engineers needed",
            "scale_up_weeks_needed": "Must scale up within (weeks)",
            "response_threshold_hours": "Slow-answer threshold (hours)",
        }
        help_texts = {"client_time_zone": "An IANA zone name such as Europe/Berlin."}

    template = forms.ModelChoiceField(
        queryset=CriteriaTemplate.objects.all(),
        required=False,
        empty_label="Accord default",
        help_text="The criteria and weights to start from.",
    )

    def __init__(self, *args: Any, creating: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if creating:
            del self.fields["status"]
            self.fields["required_documents"].initial = [
                DocumentKind.SDLC,
                DocumentKind.SECURITY_POLICY,
                DocumentKind.INCIDENT_RESPONSE,
            ]
        else:
            del self.fields["template"]
            status = self.fields["status"]
            assert isinstance(status, forms.ChoiceField)
            status.choices = [
                c for c in EvaluationStatus.choices if c[0] != EvaluationStatus.DECIDED
            ] + (
                [(EvaluationStatus.DECIDED, "Decided")] if self.instance.status == "decided" else []
            )
        _style(self)

    def clean_currency(self) -> str:
        return str(self.cleaned_data.get("currency") or "").strip().upper()


class WeightsForm(forms.Form):
    """One percentage field per group and sub-criterion."""

    def __init__(self, *args: Any, groups: list[Group], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.groups = groups
        for group in groups:
            for criterion in [group.criterion, *group.subs]:
                self.fields[f"w{criterion.pk}"] = forms.DecimalField(
                    label=criterion.name,
                    min_value=0,
                    max_value=100,
                    decimal_places=2,
                    initial=criterion.weight,
                    widget=forms.NumberInput(
                        attrs={"step": "0.5", "class": "form-control", "inputmode": "decimal"}
                    ),
                )

    def weights(self) -> dict[int, Any]:
        return {int(name[1:]): value for name, value in self.cleaned_data.items()}


class CriterionForm(forms.ModelForm):
    """A criterion's wording: name, description and, for sub-criteria, the 1/3/5 anchors."""

    class Meta:
        model = Criterion
        fields = ["name", "description", "anchor_1", "anchor_3", "anchor_5"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
        labels = {
            "anchor_1": "A 1 looks like",
            "anchor_3": "A 3 looks like",
            "anchor_5": "A 5 looks like",
        }
        help_texts = {"anchor_1": "", "anchor_3": "", "anchor_5": ""}

    def __init__(self, *args: Any, group: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if group:
            for name in ("anchor_1", "anchor_3", "anchor_5"):
                del self.fields[name]
        _style(self)


class NewCriterionForm(CriterionForm):
    """A new sub-criterion of a group, or a new group with a first sub-criterion."""

    parent = forms.ModelChoiceField(
        queryset=Criterion.objects.none(),
        required=False,
        empty_label="A new group (its first sub-criterion gets the same name)",
        label="Add to",
    )

    field_order = ["parent", "name", "description", "anchor_1", "anchor_3", "anchor_5"]

    def __init__(self, *args: Any, evaluation: Evaluation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parent = self.fields["parent"]
        assert isinstance(parent, forms.ModelChoiceField)
        parent.queryset = evaluation.criteria.filter(parent__isnull=True)
        self.order_fields(self.field_order)
        _style(self)


class TemplateForm(forms.Form):
    name = forms.CharField(max_length=200, label="Template name")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


class CandidateForm(forms.ModelForm):
    vendor = forms.ModelChoiceField(queryset=Vendor.objects.none())

    class Meta:
        model = Candidate
        fields = ["vendor", "proposed_team_size", "extra_fees"]
        widgets = {"extra_fees": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, user: AnyUser, evaluation: Evaluation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        vendor_field = self.fields["vendor"]
        assert isinstance(vendor_field, forms.ModelChoiceField)
        vendor_field.queryset = (
            policy.visible_vendors(user)
            .exclude(candidacies__evaluation=evaluation)
            .order_by("name")
        )
        _style(self)


class _UserChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.display_name} ({obj.get_role_display()})"


class _UsersChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


class _CandidateChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.vendor.name)


class EvaluatorForm(forms.Form):
    evaluator = _UserChoice(queryset=User.objects.none())

    def __init__(self, *args: Any, evaluation: Evaluation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["evaluator"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = (
            User.objects.filter(role__in=CLIENT_ROLES, is_active=True)
            .exclude(pk__in=evaluation.assignments.values("evaluator"))
            .order_by("username")
        )
        _style(self)


class CommunicationForm(forms.Form):
    kind = forms.ChoiceField(choices=CommunicationKind.choices)
    subject = forms.CharField(max_length=200)
    occurred_at = forms.DateTimeField(
        label="Sent or scheduled at",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    answered_at = forms.DateTimeField(
        label="Answered at",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    outcome = forms.ChoiceField(choices=CallOutcome.choices, required=False, label="Call outcome")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


class OverrideForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        label="Why may this candidate be recommended despite the flag?",
    )


class DecisionForm(forms.Form):
    selected = _CandidateChoice(queryset=Candidate.objects.none(), label="Selected vendor")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}))
    approvers = _UsersChoice(
        queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, evaluation: Evaluation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        selected = self.fields["selected"]
        assert isinstance(selected, forms.ModelChoiceField)
        selected.queryset = evaluation.candidates.select_related("vendor").order_by("vendor__name")
        approvers = self.fields["approvers"]
        assert isinstance(approvers, forms.ModelMultipleChoiceField)
        approvers.queryset = User.objects.filter(
            role__in=["admin", "manager"], is_active=True
        ).order_by("username")
        _style(self)


class ChecklistAnswerForm(forms.Form):
    answer = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"})
    )
    evidence = forms.FileField(
        required=False,
        help_text=f"Optional. Allowed: {', '.join(sorted(ALLOWED_EXTENSIONS))}.",
        widget=forms.ClearableFileInput(attrs={"class": "form-control"}),
    )
