"""Evaluation list, creation, overview, requirements and evaluators."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from accord.accounts import policy
from accord.accounts.policy import Perm
from accord.lib.forms import apply_validation_error
from accord.selection import actions, queries
from accord.selection.forms import (
    CandidateForm,
    EvaluationForm,
    EvaluatorForm,
)
from accord.selection.models import EvaluationStatus
from accord.selection.views.common import (
    actor_of,
    evaluation_url,
    get_evaluation,
    page_context,
)
from accord.vendors.models import CertificationKind, DocumentKind

# --- List, create, overview, requirements ---------------------------------------------------


@login_required
@require_safe
def evaluation_list(request: HttpRequest) -> HttpResponse:
    if not policy.can(request.user, Perm.VIEW_EVALUATION):
        # Vendor users: evaluations do not exist for them.
        raise Http404("No such page.")
    evaluations = policy.visible_evaluations(request.user).select_related(
        "decision__selected__vendor"
    )
    return render(
        request,
        "selection/evaluation_list.html",
        {
            "evaluations": evaluations.order_by("-created_at"),
            "may_add": policy.can(request.user, Perm.MANAGE_EVALUATION),
        },
    )


@login_required
def evaluation_create(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, Perm.MANAGE_EVALUATION)
    form = EvaluationForm(request.POST or None, creating=True)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            evaluation = actions.create_evaluation_from_template(
                actor=actor_of(request),
                name=data.pop("name"),
                template=data.pop("template"),
                capabilities=data.pop("capabilities"),
                **data,
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"“{evaluation.name}” was created.")
            return redirect(evaluation_url(evaluation))
    status = 400 if request.method == "POST" else 200
    return render(request, "selection/evaluation_form.html", {"form": form}, status=status)


@login_required
@require_safe
def evaluation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    evaluation = get_evaluation(request, slug)
    user = request.user
    certs, docs = dict(CertificationKind.choices), dict(DocumentKind.choices)
    context = page_context(
        request,
        evaluation,
        groups=queries.groups_of(evaluation),
        candidates=queries.candidate_evidence(evaluation),
        assignments=evaluation.assignments.select_related("evaluator"),
        required_certifications=[certs.get(k, k) for k in evaluation.required_certifications],
        required_documents=[docs.get(k, k) for k in evaluation.required_documents],
        evaluator_form=EvaluatorForm(evaluation=evaluation)
        if policy.can(user, Perm.MANAGE_EVALUATION)
        and evaluation.status != EvaluationStatus.DECIDED
        else None,
        candidate_form=CandidateForm(user=user, evaluation=evaluation)
        if policy.can(user, Perm.MANAGE_EVALUATION)
        and evaluation.status != EvaluationStatus.DECIDED
        else None,
        decision=queries.decision_of(evaluation),
    )
    return render(request, "selection/evaluation_detail.html", context)


@login_required
def evaluation_edit(request: HttpRequest, slug: str) -> HttpResponse:
    evaluation = get_evaluation(request, slug, Perm.MANAGE_EVALUATION)
    form = EvaluationForm(request.POST or None, instance=evaluation)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            actions.update_requirements(
                actor=actor_of(request),
                evaluation=evaluation,
                capabilities=data.pop("capabilities"),
                **data,
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "The requirements were saved and the flags recomputed.")
            return redirect(evaluation_url(evaluation))
    evaluation.refresh_from_db()
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "selection/evaluation_form.html",
        {"form": form, "evaluation": evaluation},
        status=status,
    )


@login_required
@require_POST
def evaluator_add(request: HttpRequest, slug: str) -> HttpResponse:
    evaluation = get_evaluation(request, slug, Perm.MANAGE_EVALUATION)
    form = EvaluatorForm(request.POST, evaluation=evaluation)
    if form.is_valid():
        try:
            actions.assign_evaluator(
                actor=actor_of(request),
                evaluation=evaluation,
                evaluator=form.cleaned_data["evaluator"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, "Choose a client user to assign.")
    return redirect(evaluation_url(evaluation) + "#evaluators")
