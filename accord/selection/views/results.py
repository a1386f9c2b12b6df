"""Ranking with sensitivity and the what-if panel; the decision and the engagement it starts."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from accord.accounts import policy
from accord.accounts.policy import Perm
from accord.lib.forms import apply_validation_error
from accord.selection import actions, queries
from accord.selection.forms import (
    DecisionForm,
)
from accord.selection.models import (
    Evaluation,
)
from accord.selection.views.common import (
    actor_of,
    evaluation_url,
    get_evaluation,
    page_context,
    require_results,
)

# --- Results --------------------------------------------------------------------------------


def _what_if_weights(request: HttpRequest, groups: list[queries.Group]) -> dict[int, float] | None:
    weights: dict[int, float] = {}
    for group in groups:
        raw = request.GET.get(f"g{group.pk}")
        if raw is None:
            return None
        try:
            weights[group.pk] = max(0.0, float(raw))
        except ValueError:
            return None
    return weights if sum(weights.values()) > 0 else None


def results_context(request: HttpRequest, evaluation: Evaluation) -> dict[str, Any]:
    """Score matrix with spreads, ranking and sensitivity, as the user may see them."""
    scores = list(queries.visible_scores(request.user, evaluation).filter(submitted=True))
    groups = queries.groups_of(evaluation)
    candidates = list(queries.candidates_of(evaluation).filter(status="active"))
    spreads = queries.aggregates(evaluation, scores)
    matrix = [
        {
            "group": group,
            "subs": [
                {
                    "criterion": sub,
                    "cells": [spreads.get((c.pk, sub.pk)) for c in candidates],
                }
                for sub in group.subs
            ],
        }
        for group in groups
    ]
    what_if = _what_if_weights(request, groups)
    result = queries.ranking_for(evaluation, group_weights=what_if, scores=scores)
    return {
        "matrix": matrix,
        "candidates": candidates,
        "result": result,
        "what_if": what_if,
        "disagreements": sum(1 for s in spreads.values() if s.disagreement),
        "rationales": sorted(scores, key=lambda s: (s.candidate.vendor.name, s.criterion.position)),
    }


@login_required
@require_safe
def ranking(request: HttpRequest, slug: str) -> HttpResponse:
    evaluation = get_evaluation(request, slug)
    require_results(request, evaluation)
    context = page_context(request, evaluation, **results_context(request, evaluation))
    return render(request, "selection/ranking.html", context)


@login_required
@require_safe
def what_if(request: HttpRequest, slug: str) -> HttpResponse:
    """The ranking under the weights in the query string (htmx swaps it in; nothing is saved)."""
    evaluation = get_evaluation(request, slug)
    require_results(request, evaluation)
    context = page_context(request, evaluation, **results_context(request, evaluation))
    return render(request, "selection/includes/ranking_table.html", context)


# --- Decision -------------------------------------------------------------------------------


@login_required
def decision(request: HttpRequest, slug: str) -> HttpResponse:
    evaluation = get_evaluation(request, slug, Perm.MANAGE_EVALUATION)
    existing = getattr(evaluation, "decision", None)
    form = DecisionForm(request.POST or None, evaluation=evaluation)
    if request.method == "POST" and existing is None and form.is_valid():
        try:
            actions.record_decision(
                actor=actor_of(request),
                evaluation=evaluation,
                selected=form.cleaned_data["selected"],
                reason=form.cleaned_data["reason"],
                approvers=form.cleaned_data["approvers"],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "The decision is recorded.")
            return redirect(evaluation_url(evaluation, "decision"))
    result = queries.ranking_for(evaluation)
    if request.method == "GET" and result.recommended is not None and existing is None:
        form.initial["selected"] = result.recommended.pk
    status = 400 if request.method == "POST" and existing is None else 200
    return render(
        request,
        "selection/decision.html",
        page_context(request, evaluation, form=form, decision=existing, result=result),
        status=status,
    )


@login_required
@require_POST
def engagement_create(request: HttpRequest, slug: str) -> HttpResponse:
    evaluation = get_evaluation(request, slug, Perm.MANAGE_EVALUATION)
    existing = getattr(evaluation, "decision", None)
    if existing is None:
        messages.error(request, "Record the decision first.")
        return redirect(evaluation_url(evaluation, "decision"))
    policy.require(request.user, Perm.ADD_ENGAGEMENT)
    try:
        engagement = actions.create_engagement_from_decision(
            actor=actor_of(request), decision=existing
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(evaluation_url(evaluation, "decision"))
    messages.success(request, f"“{engagement.name}” starts with the winner's promises.")
    return redirect(reverse("engagements:detail", args=[engagement.slug]))
