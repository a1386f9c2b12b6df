"""Helpers every selection page uses: the caller, the evaluation under the policy, the context."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.urls import reverse

from accord.accounts import policy
from accord.accounts.models import User
from accord.accounts.policy import Perm
from accord.selection import queries
from accord.selection.models import (
    Evaluation,
)


def actor_of(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def evaluation_url(evaluation: Evaluation, name: str = "detail") -> str:
    return reverse(f"selection:{name}", args=[evaluation.slug])


def get_evaluation(
    request: HttpRequest, slug: str, perm: Perm = Perm.VIEW_EVALUATION
) -> Evaluation:
    evaluation = queries.evaluation_for(request.user, slug)
    policy.require(request.user, perm, evaluation)
    return evaluation


def require_results(request: HttpRequest, evaluation: Evaluation) -> None:
    """Blind mode: results show others' scores, so an evaluator must submit first."""
    if not queries.sees_others_scores(request.user, evaluation):
        raise PermissionDenied("Submit your own scores to see the others' and the ranking.")


def page_context(request: HttpRequest, evaluation: Evaluation, **extra: Any) -> dict[str, Any]:
    user = request.user
    return {
        "evaluation": evaluation,
        "may_manage": policy.can(user, Perm.MANAGE_EVALUATION, evaluation),
        "may_score": policy.can(user, Perm.SCORE_EVALUATION, evaluation),
        "sees_results": queries.sees_others_scores(user, evaluation),
        **extra,
    }
