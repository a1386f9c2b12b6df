"""The evaluator's score sheet and its submission."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accord.accounts.policy import Perm
from accord.selection import actions, queries
from accord.selection.models import (
    EvaluationStatus,
    Score,
)
from accord.selection.views.common import (
    actor_of,
    evaluation_url,
    get_evaluation,
    page_context,
)

# --- Scoring --------------------------------------------------------------------------------


@login_required
def score(request: HttpRequest, slug: str) -> HttpResponse:
    """The evaluator's own score sheet: every candidate on every sub-criterion."""
    evaluation = get_evaluation(request, slug, Perm.SCORE_EVALUATION)
    actor = actor_of(request)
    assignment = queries.assignment_of(actor, evaluation)
    assert assignment is not None  # SCORE_EVALUATION on the evaluation means assigned
    candidates = list(queries.candidates_of(evaluation).filter(status="active"))
    groups = queries.groups_of(evaluation)
    errors: list[str] = []
    if request.method == "POST":
        saved = 0
        for candidate in candidates:
            for group in groups:
                for sub in group.subs:
                    key = f"{candidate.pk}-{sub.pk}"
                    value = request.POST.get(f"v-{key}", "")
                    rationale = request.POST.get(f"r-{key}", "")
                    if not value:
                        continue
                    try:
                        actions.record_score(
                            actor=actor,
                            candidate=candidate,
                            criterion=sub,
                            value=int(value) if value.isdigit() else -1,
                            rationale=rationale,
                        )
                        saved += 1
                    except ValidationError as exc:
                        errors.append(
                            f"{candidate.vendor.name}, {sub.name}: {' '.join(exc.messages)}"
                        )
        if not errors:
            messages.success(request, f"{saved} score(s) saved.")
            return redirect(evaluation_url(evaluation, "score"))
    own = {
        (s.candidate_id, s.criterion_id): s
        for s in Score.objects.filter(candidate__evaluation=evaluation, evaluator=actor)
    }
    rows = [
        {
            "group": group,
            "subs": [
                {
                    "criterion": sub,
                    "cells": [
                        {
                            "candidate": c,
                            "key": f"{c.pk}-{sub.pk}",
                            "score": own.get((c.pk, sub.pk)),
                            "value": request.POST.get(f"v-{c.pk}-{sub.pk}")
                            if errors
                            else getattr(own.get((c.pk, sub.pk)), "value", ""),
                            "rationale": request.POST.get(f"r-{c.pk}-{sub.pk}")
                            if errors
                            else getattr(own.get((c.pk, sub.pk)), "rationale", ""),
                        }
                        for c in candidates
                    ],
                }
                for sub in group.subs
            ],
        }
        for group in groups
    ]
    return render(
        request,
        "selection/score.html",
        page_context(
            request,
            evaluation,
            assignment=assignment,
            candidates=candidates,
            rows=rows,
            errors=errors,
            locked=assignment.submitted_at is not None
            or evaluation.status == EvaluationStatus.DECIDED,
        ),
        status=400 if errors else 200,
    )


@login_required
@require_POST
def score_submit(request: HttpRequest, slug: str) -> HttpResponse:
    evaluation = get_evaluation(request, slug, Perm.SCORE_EVALUATION)
    try:
        actions.submit_scores(actor=actor_of(request), evaluation=evaluation)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(evaluation_url(evaluation, "score"))
    messages.success(request, "Your scores are submitted; the others' are now visible to you.")
    return redirect(evaluation_url(evaluation, "ranking"))
