"""Selection pages. Each view asks the policy first whether the user may know the evaluation
exists (404 otherwise), then whether they may do this to it (403)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from accord.accounts import policy
from accord.accounts.models import User
from accord.accounts.policy import Perm
from accord.lib.forms import apply_validation_error
from accord.selection import actions, queries
from accord.selection.forms import (
    CandidateForm,
    ChecklistAnswerForm,
    CommunicationForm,
    DecisionForm,
    EvaluationForm,
    EvaluatorForm,
    OverrideForm,
    TemplateForm,
    WeightsForm,
)
from accord.selection.models import (
    Candidate,
    Evaluation,
    EvaluationStatus,
    RedFlag,
    Score,
)
from accord.vendors.models import CertificationKind, DocumentKind


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _url(evaluation: Evaluation, name: str = "detail") -> str:
    return reverse(f"selection:{name}", args=[evaluation.slug])


def _evaluation(request: HttpRequest, slug: str, perm: Perm = Perm.VIEW_EVALUATION) -> Evaluation:
    evaluation = queries.evaluation_for(request.user, slug)
    policy.require(request.user, perm, evaluation)
    return evaluation


def _require_results(request: HttpRequest, evaluation: Evaluation) -> None:
    """Blind mode: results show others' scores, so an evaluator must submit first."""
    if not queries.sees_others_scores(request.user, evaluation):
        raise PermissionDenied("Submit your own scores to see the others' and the ranking.")


def _context(request: HttpRequest, evaluation: Evaluation, **extra: Any) -> dict[str, Any]:
    user = request.user
    return {
        "evaluation": evaluation,
        "may_manage": policy.can(user, Perm.MANAGE_EVALUATION, evaluation),
        "may_score": policy.can(user, Perm.SCORE_EVALUATION, evaluation),
        "sees_results": queries.sees_others_scores(user, evaluation),
        **extra,
    }


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
                actor=_actor(request),
                name=data.pop("name"),
                template=data.pop("template"),
                capabilities=data.pop("capabilities"),
                **data,
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"“{evaluation.name}” was created.")
            return redirect(_url(evaluation))
    status = 400 if request.method == "POST" else 200
    return render(request, "selection/evaluation_form.html", {"form": form}, status=status)


@login_required
@require_safe
def evaluation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    evaluation = _evaluation(request, slug)
    user = request.user
    certs, docs = dict(CertificationKind.choices), dict(DocumentKind.choices)
    context = _context(
        request,
        evaluation,
        groups=queries.groups_of(evaluation),
        candidates=queries.candidate_evidence(evaluation),
        assignments=evaluation.assignments.select_related("evaluator"),
        required_certifications=[certs.get(k, k) for k in evaluation.required_certifications],
        required_documents=[docs.get(k, k) for k in evaluation.required_documents],
        evaluator_form=EvaluatorForm(evaluation=evaluation)
        if policy.can(user, Perm.MANAGE_EVALUATION)
        else None,
        candidate_form=CandidateForm(user=user, evaluation=evaluation)
        if policy.can(user, Perm.MANAGE_EVALUATION)
        else None,
        decision=getattr(evaluation, "decision", None),
    )
    return render(request, "selection/evaluation_detail.html", context)


@login_required
def evaluation_edit(request: HttpRequest, slug: str) -> HttpResponse:
    evaluation = _evaluation(request, slug, Perm.MANAGE_EVALUATION)
    form = EvaluationForm(request.POST or None, instance=evaluation)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            actions.update_requirements(
                actor=_actor(request),
                evaluation=evaluation,
                capabilities=data.pop("capabilities"),
                **data,
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "The requirements were saved and the flags recomputed.")
            return redirect(_url(evaluation))
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
    evaluation = _evaluation(request, slug, Perm.MANAGE_EVALUATION)
    form = EvaluatorForm(request.POST, evaluation=evaluation)
    if form.is_valid():
        try:
            actions.assign_evaluator(
                actor=_actor(request),
                evaluation=evaluation,
                evaluator=form.cleaned_data["evaluator"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, "Choose a client user to assign.")
    return redirect(_url(evaluation) + "#evaluators")


# --- Criteria and weights -------------------------------------------------------------------


@login_required
@require_safe
def criteria(request: HttpRequest, slug: str) -> HttpResponse:
    evaluation = _evaluation(request, slug)
    groups = queries.groups_of(evaluation)
    return render(
        request,
        "selection/criteria.html",
        _context(
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
    evaluation = _evaluation(request, slug, Perm.MANAGE_EVALUATION)
    groups = queries.groups_of(evaluation)
    form = WeightsForm(request.POST, groups=groups)
    if form.is_valid():
        try:
            actions.set_weights(
                actor=_actor(request), evaluation=evaluation, weights=form.weights()
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "The weights were saved.")
            return redirect(_url(evaluation, "criteria"))
    context = _context(request, evaluation, groups=groups, form=form, template_form=TemplateForm())
    return render(request, "selection/criteria.html", context, status=400)


@login_required
@require_POST
def template_save(request: HttpRequest, slug: str) -> HttpResponse:
    evaluation = _evaluation(request, slug, Perm.MANAGE_EVALUATION)
    form = TemplateForm(request.POST)
    if form.is_valid():
        try:
            template = actions.save_criteria_as_template(
                actor=_actor(request), evaluation=evaluation, name=form.cleaned_data["name"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Saved as the template “{template.name}”.")
    else:
        messages.error(request, "Name the template.")
    return redirect(_url(evaluation, "criteria"))


# --- Candidates, evidence, flags, log -------------------------------------------------------


def _candidate(evaluation: Evaluation, pk: int) -> Candidate:
    return get_object_or_404(evaluation.candidates.select_related("vendor"), pk=pk)


@login_required
@require_POST
def candidate_add(request: HttpRequest, slug: str) -> HttpResponse:
    evaluation = _evaluation(request, slug, Perm.MANAGE_EVALUATION)
    form = CandidateForm(request.POST, user=request.user, evaluation=evaluation)
    if form.is_valid():
        try:
            candidate = actions.add_candidate(
                actor=_actor(request), evaluation=evaluation, **form.cleaned_data
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"{candidate.vendor.name} is now a candidate.")
    else:
        messages.error(request, "Choose a vendor that is not yet a candidate.")
    return redirect(_url(evaluation) + "#candidates")


@login_required
@require_safe
def candidate_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    evaluation = _evaluation(request, slug)
    candidate = _candidate(evaluation, pk)
    item = next(e for e in queries.candidate_evidence(evaluation) if e.candidate.pk == pk)
    may_manage = policy.can(request.user, Perm.MANAGE_EVALUATION, evaluation)
    return render(
        request,
        "selection/candidate_detail.html",
        _context(
            request,
            evaluation,
            candidate=candidate,
            item=item,
            checklist=queries.checklist_of(candidate),
            communications=candidate.communications.select_related("recorded_by"),
            communication_form=CommunicationForm() if may_manage else None,
            override_form=OverrideForm() if may_manage else None,
            cert_labels=dict(CertificationKind.choices),
        ),
    )


@login_required
@require_POST
def communication_add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    evaluation = _evaluation(request, slug, Perm.MANAGE_EVALUATION)
    candidate = _candidate(evaluation, pk)
    form = CommunicationForm(request.POST)
    if form.is_valid():
        try:
            actions.record_communication(
                actor=_actor(request), candidate=candidate, **form.cleaned_data
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Logged; the flags were recomputed.")
    else:
        messages.error(request, "Give the kind, a subject and when it was sent or scheduled.")
    return redirect(reverse("selection:candidate", args=[evaluation.slug, pk]) + "#log")


@login_required
@require_POST
def candidate_invite(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    evaluation = _evaluation(request, slug, Perm.MANAGE_EVALUATION)
    candidate = _candidate(evaluation, pk)
    actions.invite_candidate(actor=_actor(request), candidate=candidate)
    messages.success(
        request, f"{candidate.vendor.name}'s users can now answer the checklist in their portal."
    )
    return redirect(reverse("selection:candidate", args=[evaluation.slug, pk]))


@login_required
@require_POST
def flags_refresh(request: HttpRequest, slug: str) -> HttpResponse:
    evaluation = _evaluation(request, slug, Perm.MANAGE_EVALUATION)
    actions.refresh_red_flags(evaluation=evaluation)
    messages.success(request, "The evidence and red flags were recomputed.")
    return redirect(_url(evaluation) + "#candidates")


@login_required
@require_POST
def flag_override(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    evaluation = _evaluation(request, slug, Perm.MANAGE_EVALUATION)
    flag = get_object_or_404(
        RedFlag.objects.select_related("candidate"), pk=pk, candidate__evaluation=evaluation
    )
    form = OverrideForm(request.POST)
    if form.is_valid():
        actions.override_red_flag(
            actor=_actor(request), flag=flag, reason=form.cleaned_data["reason"]
        )
        messages.success(request, "The flag is overridden; the reason is recorded.")
    else:
        messages.error(request, "Say why the flag may be overridden.")
    return redirect(reverse("selection:candidate", args=[evaluation.slug, flag.candidate_id]))


# --- Scoring --------------------------------------------------------------------------------


@login_required
def score(request: HttpRequest, slug: str) -> HttpResponse:
    """The evaluator's own score sheet: every candidate on every sub-criterion."""
    evaluation = _evaluation(request, slug, Perm.SCORE_EVALUATION)
    actor = _actor(request)
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
            return redirect(_url(evaluation, "score"))
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
        _context(
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
    evaluation = _evaluation(request, slug, Perm.SCORE_EVALUATION)
    try:
        actions.submit_scores(actor=_actor(request), evaluation=evaluation)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(_url(evaluation, "score"))
    messages.success(request, "Your scores are submitted; the others' are now visible to you.")
    return redirect(_url(evaluation, "ranking"))


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
    evaluation = _evaluation(request, slug)
    _require_results(request, evaluation)
    context = _context(request, evaluation, **results_context(request, evaluation))
    return render(request, "selection/ranking.html", context)


@login_required
@require_safe
def what_if(request: HttpRequest, slug: str) -> HttpResponse:
    """The ranking under the weights in the query string (htmx swaps it in; nothing is saved)."""
    evaluation = _evaluation(request, slug)
    _require_results(request, evaluation)
    context = _context(request, evaluation, **results_context(request, evaluation))
    return render(request, "selection/includes/ranking_table.html", context)


# --- Decision -------------------------------------------------------------------------------


@login_required
def decision(request: HttpRequest, slug: str) -> HttpResponse:
    evaluation = _evaluation(request, slug, Perm.MANAGE_EVALUATION)
    existing = getattr(evaluation, "decision", None)
    form = DecisionForm(request.POST or None, evaluation=evaluation)
    if request.method == "POST" and existing is None and form.is_valid():
        try:
            actions.record_decision(
                actor=_actor(request),
                evaluation=evaluation,
                selected=form.cleaned_data["selected"],
                reason=form.cleaned_data["reason"],
                approvers=form.cleaned_data["approvers"],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "The decision is recorded.")
            return redirect(_url(evaluation, "decision"))
    result = queries.ranking_for(evaluation)
    if request.method == "GET" and result.recommended is not None and existing is None:
        form.initial["selected"] = result.recommended.pk
    status = 400 if request.method == "POST" and existing is None else 200
    return render(
        request,
        "selection/decision.html",
        _context(request, evaluation, form=form, decision=existing, result=result),
        status=status,
    )


@login_required
@require_POST
def engagement_create(request: HttpRequest, slug: str) -> HttpResponse:
    evaluation = _evaluation(request, slug, Perm.MANAGE_EVALUATION)
    existing = getattr(evaluation, "decision", None)
    if existing is None:
        messages.error(request, "Record the decision first.")
        return redirect(_url(evaluation, "decision"))
    policy.require(request.user, Perm.ADD_ENGAGEMENT)
    try:
        engagement = actions.create_engagement_from_decision(
            actor=_actor(request), decision=existing
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(_url(evaluation, "decision"))
    messages.success(request, f"“{engagement.name}” starts with the winner's promises.")
    return redirect(reverse("engagements:detail", args=[engagement.slug]))


# --- Vendor portal --------------------------------------------------------------------------


@login_required
@require_safe
def portal(request: HttpRequest) -> HttpResponse:
    """A vendor user's own candidacies; nothing of anyone else's."""
    if not policy.can(request.user, Perm.VIEW_CHECKLIST):
        raise Http404("No such page.")
    candidacies = policy.visible_candidacies(request.user).select_related("evaluation")
    return render(request, "selection/portal_list.html", {"candidacies": candidacies})


@login_required
@require_safe
def portal_checklist(request: HttpRequest, pk: int) -> HttpResponse:
    candidate = queries.candidacy_for(request.user, pk)
    return render(
        request,
        "selection/portal_checklist.html",
        {
            "candidate": candidate,
            "items": queries.checklist_of(candidate),
            "may_answer": policy.can(request.user, Perm.ANSWER_CHECKLIST, candidate)
            and candidate.evaluation.status != EvaluationStatus.DECIDED,
            "form": ChecklistAnswerForm(),
        },
    )


@login_required
@require_POST
def portal_answer(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    candidate = queries.candidacy_for(request.user, pk)
    policy.require(request.user, Perm.ANSWER_CHECKLIST, candidate)
    item = get_object_or_404(candidate.checklist, pk=item_pk)
    form = ChecklistAnswerForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            actions.answer_checklist_item(
                actor=_actor(request),
                item=item,
                answer=form.cleaned_data["answer"],
                evidence=form.cleaned_data["evidence"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Your answer is saved.")
    else:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect(reverse("selection:portal_checklist", args=[pk]) + f"#item-{item.pk}")
