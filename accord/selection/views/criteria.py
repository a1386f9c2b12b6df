"""Criteria pages: weights, editing names, descriptions, anchors and sub-criteria, templates."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from accord.accounts import policy
from accord.accounts.policy import Perm
from accord.lib.forms import apply_validation_error
from accord.selection import actions, queries
from accord.selection.forms import (
    CriterionForm,
    NewCriterionForm,
    TemplateForm,
    WeightsForm,
)
from accord.selection.models import Criterion, Evaluation, EvaluationStatus
from accord.selection.views.common import (
    actor_of,
    evaluation_url,
    get_evaluation,
    page_context,
)

# --- Criteria and weights -------------------------------------------------------------------


def _criteria_context(
    request: HttpRequest,
    evaluation: Evaluation,
    groups: list[queries.Group],
    form: WeightsForm,
    new_form: NewCriterionForm | None = None,
) -> dict[str, Any]:
    may_manage = policy.can(request.user, Perm.MANAGE_EVALUATION, evaluation)
    return page_context(
        request,
        evaluation,
        editable=may_manage and evaluation.status != EvaluationStatus.DECIDED,
        groups=groups,
        form=form,
        template_form=TemplateForm(),
        new_form=new_form or NewCriterionForm(evaluation=evaluation),
    )


@login_required
@require_safe
def criteria(request: HttpRequest, slug: str) -> HttpResponse:
    evaluation = get_evaluation(request, slug)
    groups = queries.groups_of(evaluation)
    return render(
        request,
        "selection/criteria.html",
        _criteria_context(request, evaluation, groups, WeightsForm(groups=groups)),
    )


@login_required
@require_POST
def weights_save(request: HttpRequest, slug: str) -> HttpResponse:
    evaluation = get_evaluation(request, slug, Perm.MANAGE_EVALUATION)
    groups = queries.groups_of(evaluation)
    form = WeightsForm(request.POST, groups=groups)
    if form.is_valid():
        try:
            actions.set_weights(
                actor=actor_of(request), evaluation=evaluation, weights=form.weights()
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "The weights were saved.")
            return redirect(evaluation_url(evaluation, "criteria"))
    context = _criteria_context(request, evaluation, groups, form)
    return render(request, "selection/criteria.html", context, status=400)


@login_required
@require_POST
def template_save(request: HttpRequest, slug: str) -> HttpResponse:
    evaluation = get_evaluation(request, slug, Perm.MANAGE_EVALUATION)
    form = TemplateForm(request.POST)
    if form.is_valid():
        try:
            template = actions.save_criteria_as_template(
                actor=actor_of(request), evaluation=evaluation, name=form.cleaned_data["name"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Saved as the template “{template.name}”.")
    else:
        messages.error(request, "Name the template.")
    return redirect(evaluation_url(evaluation, "criteria"))


# --- Editing criteria -----------------------------------------------------------------------


def _criterion(evaluation: Evaluation, pk: int) -> Criterion:
    return get_object_or_404(evaluation.criteria.select_related("evaluation"), pk=pk)


@login_required
@require_POST
def criterion_add(request: HttpRequest, slug: str) -> HttpResponse:
    evaluation = get_evaluation(request, slug, Perm.MANAGE_EVALUATION)
    form = NewCriterionForm(request.POST, evaluation=evaluation)
    if form.is_valid():
        data = dict(form.cleaned_data)
        try:
            added = actions.add_criterion(
                actor=actor_of(request), evaluation=evaluation, parent=data.pop("parent"), **data
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"“{added.name}” was added at 0 %; give it a weight below.")
            return redirect(evaluation_url(evaluation, "criteria"))
    groups = queries.groups_of(evaluation)
    context = _criteria_context(request, evaluation, groups, WeightsForm(groups=groups), form)
    return render(request, "selection/criteria.html", context, status=400)


@login_required
def criterion_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    evaluation = get_evaluation(request, slug, Perm.MANAGE_EVALUATION)
    criterion = _criterion(evaluation, pk)
    form = CriterionForm(request.POST or None, instance=criterion, group=criterion.is_group)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_criterion(
                actor=actor_of(request), criterion=criterion, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"“{criterion.name}” was saved.")
            return redirect(evaluation_url(evaluation, "criteria"))
    criterion.refresh_from_db()
    return render(
        request,
        "selection/criterion_form.html",
        page_context(request, evaluation, criterion=criterion, form=form),
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def criterion_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    evaluation = get_evaluation(request, slug, Perm.MANAGE_EVALUATION)
    criterion = _criterion(evaluation, pk)
    try:
        actions.remove_criterion(actor=actor_of(request), criterion=criterion)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, f"“{criterion.name}” was removed; the rest of its level was rescaled."
        )
    return redirect(evaluation_url(evaluation, "criteria"))
