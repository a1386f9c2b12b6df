"""Criteria pages: weights, editing names, descriptions, anchors and sub-criteria, templates."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from accord.accounts.policy import Perm
from accord.lib.forms import apply_validation_error
from accord.selection import actions, queries
from accord.selection.forms import (
    TemplateForm,
    WeightsForm,
)
from accord.selection.views.common import (
    actor_of,
    evaluation_url,
    get_evaluation,
    page_context,
)

# --- Criteria and weights -------------------------------------------------------------------


@login_required
@require_safe
def criteria(request: HttpRequest, slug: str) -> HttpResponse:
    evaluation = get_evaluation(request, slug)
    groups = queries.groups_of(evaluation)
    return render(
        request,
        "selection/criteria.html",
        page_context(
            request,
            evaluation,
            groups=groups,
            form=WeightsForm(groups=groups),
            template_form=TemplateForm(),
        ),
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
    context = page_context(
        request, evaluation, groups=groups, form=form, template_form=TemplateForm()
    )
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
