"""Candidates: evidence, red flags, overrides, the communication log and invitations."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from accord.accounts import policy
from accord.accounts.policy import Perm
from accord.selection import actions, queries
from accord.selection.forms import (
    CandidateForm,
    CommunicationForm,
    OverrideForm,
)
from accord.selection.models import (
    Candidate,
    Evaluation,
    EvaluationStatus,
    RedFlag,
)
from accord.selection.views.common import (
    actor_of,
    evaluation_url,
    get_evaluation,
    page_context,
)
from accord.vendors.models import CertificationKind

# --- Candidates, evidence, flags, log -------------------------------------------------------


def _candidate(evaluation: Evaluation, pk: int) -> Candidate:
    return get_object_or_404(evaluation.candidates.select_related("vendor"), pk=pk)


@login_required
@require_POST
def candidate_add(request: HttpRequest, slug: str) -> HttpResponse:
    evaluation = get_evaluation(request, slug, Perm.MANAGE_EVALUATION)
    form = CandidateForm(request.POST, user=request.user, evaluation=evaluation)
    if form.is_valid():
        try:
            candidate = actions.add_candidate(
                actor=actor_of(request), evaluation=evaluation, **form.cleaned_data
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"{candidate.vendor.name} is now a candidate.")
    else:
        messages.error(request, "Choose a vendor that is not yet a candidate.")
    return redirect(evaluation_url(evaluation) + "#candidates")


@login_required
@require_safe
def candidate_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    evaluation = get_evaluation(request, slug)
    candidate = _candidate(evaluation, pk)
    item = next(e for e in queries.candidate_evidence(evaluation) if e.candidate.pk == pk)
    may_manage = policy.can(request.user, Perm.MANAGE_EVALUATION, evaluation)
    return render(
        request,
        "selection/candidate_detail.html",
        page_context(
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
    evaluation = get_evaluation(request, slug, Perm.MANAGE_EVALUATION)
    candidate = _candidate(evaluation, pk)
    form = CommunicationForm(request.POST)
    if form.is_valid():
        try:
            actions.record_communication(
                actor=actor_of(request), candidate=candidate, **form.cleaned_data
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
    evaluation = get_evaluation(request, slug, Perm.MANAGE_EVALUATION)
    candidate = _candidate(evaluation, pk)
    actions.invite_candidate(actor=actor_of(request), candidate=candidate)
    messages.success(
        request, f"{candidate.vendor.name}'s users can now answer the checklist in their portal."
    )
    return redirect(reverse("selection:candidate", args=[evaluation.slug, pk]))


@login_required
@require_POST
def flags_refresh(request: HttpRequest, slug: str) -> HttpResponse:
    evaluation = get_evaluation(request, slug, Perm.MANAGE_EVALUATION)
    if evaluation.status == EvaluationStatus.DECIDED:
        messages.error(request, "The evaluation is decided; its flags stay those it was taken on.")
    else:
        actions.refresh_red_flags(evaluation=evaluation)
        messages.success(request, "The evidence and red flags were recomputed.")
    return redirect(evaluation_url(evaluation) + "#candidates")


@login_required
@require_POST
def flag_override(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    evaluation = get_evaluation(request, slug, Perm.MANAGE_EVALUATION)
    flag = get_object_or_404(
        RedFlag.objects.select_related("candidate"), pk=pk, candidate__evaluation=evaluation
    )
    form = OverrideForm(request.POST)
    if form.is_valid():
        actions.override_red_flag(
            actor=actor_of(request), flag=flag, reason=form.cleaned_data["reason"]
        )
        messages.success(request, "The flag is overridden; the reason is recorded.")
    else:
        messages.error(request, "Say why the flag may be overridden.")
    return redirect(reverse("selection:candidate", args=[evaluation.slug, flag.candidate_id]))
