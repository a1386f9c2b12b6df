"""The vendor portal: a vendor user's own candidacies and checklists."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from accord.accounts import policy
from accord.accounts.policy import Perm
from accord.selection import actions, queries
from accord.selection.forms import (
    ChecklistAnswerForm,
)
from accord.selection.models import (
    EvaluationStatus,
)
from accord.selection.views.common import (
    actor_of,
)

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
            and candidate.invited_at is not None
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
                actor=actor_of(request),
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
