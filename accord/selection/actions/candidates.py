"""Candidates and their due-diligence checklists."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone

from accord.accounts.models import User
from accord.audit.actions import create_audited, update_audited
from accord.selection.actions.flags import refresh_red_flags
from accord.selection.models import (
    Candidate,
    ChecklistItem,
    ChecklistTopic,
    Evaluation,
    EvaluationStatus,
)
from accord.vendors.models import CertificationKind, DocumentKind, Vendor


def _lower_first(label: str) -> str:
    """Lower-case the first letter only, keeping acronyms such as SDLC."""
    return label[:1].lower() + label[1:]


def _checklist_questions(evaluation: Evaluation) -> list[tuple[str, str, str]]:
    """(topic, subject, question) for each item the requirements call for."""
    items: list[tuple[str, str, str]] = [
        (
            ChecklistTopic.SECURITY_POLICY,
            "",
            "Share your data-security policy and say how it is practised (training, access "
            "reviews, audits).",
        )
    ]
    labels = dict(CertificationKind.choices)
    for kind in evaluation.required_certifications:
        items.append(
            (
                ChecklistTopic.CERTIFICATE,
                kind,
                f"Upload your current {labels.get(kind, kind)} certificate or attestation, with "
                "its validity dates.",
            )
        )
    doc_labels = dict(DocumentKind.choices)
    for kind in evaluation.required_documents:
        if kind == DocumentKind.SECURITY_POLICY:
            continue  # asked above
        items.append(
            (
                ChecklistTopic.PROCESS_DOCUMENT,
                kind,
                f"Upload your {_lower_first(doc_labels.get(kind, kind))}.",
            )
        )
    items += [
        (
            ChecklistTopic.CASE_STUDIES,
            "",
            "Describe two or three comparable projects"
            + (f" in {evaluation.industry.name}" if evaluation.industry else "")
            + ", with outcomes.",
        ),
        (ChecklistTopic.REFERENCES, "", "Name clients we may call as references."),
        (
            ChecklistTopic.PRICING,
            "",
            "Give a pricing breakdown by role and seniority, and list every fee that is not on "
            "your rate card.",
        ),
    ]
    if evaluation.team_size_needed:
        items.append(
            (
                ChecklistTopic.TEAM,
                "",
                f"How many engineers can you provide (we need {evaluation.team_size_needed}), "
                "and how fast can you scale up and down?",
            )
        )
    return items


def _sync_checklist(candidate: Candidate) -> None:
    """Add the checklist items the requirements call for that the candidate lacks yet."""
    have = set(candidate.checklist.values_list("topic", "subject"))
    new = [
        ChecklistItem(candidate=candidate, topic=t, subject=s, question=q, position=i)
        for i, (t, s, q) in enumerate(_checklist_questions(candidate.evaluation))
        if (t, s) not in have
    ]
    ChecklistItem.objects.bulk_create(new)


@transaction.atomic
def add_candidate(
    *,
    actor: User | None,
    evaluation: Evaluation,
    vendor: Vendor,
    proposed_team_size: int | None = None,
    extra_fees: str = "",
) -> Candidate:
    """Add a vendor as a candidate, generate its due-diligence checklist, and raise its flags."""
    _refuse_if_decided(evaluation)
    if evaluation.candidates.filter(vendor=vendor).exists():
        raise ValidationError({"vendor": f"{vendor.name} is already a candidate."})
    candidate = create_audited(
        actor=actor,
        instance=Candidate(
            evaluation=evaluation,
            vendor=vendor,
            proposed_team_size=proposed_team_size,
            extra_fees=extra_fees,
        ),
    )
    _sync_checklist(candidate)
    refresh_red_flags(evaluation=evaluation)
    return candidate


def _refuse_if_decided(evaluation: Evaluation) -> None:
    """The candidates of a decided evaluation are what its decision was taken on."""
    if evaluation.status == EvaluationStatus.DECIDED:
        raise ValidationError("The evaluation is decided; its candidates no longer change.")


@transaction.atomic
def update_candidate(*, actor: User, candidate: Candidate, **fields: Any) -> Candidate:
    """Change what a candidate proposes (team size, extra fees) or withdraw it."""
    _refuse_if_decided(candidate.evaluation)
    update_audited(actor=actor, instance=candidate, fields=fields)
    refresh_red_flags(evaluation=candidate.evaluation)
    return candidate


@transaction.atomic
def invite_candidate(*, actor: User, candidate: Candidate) -> Candidate:
    """Open the candidate's checklist to its vendor's users in the portal."""
    _sync_checklist(candidate)
    if candidate.invited_at is None:
        update_audited(actor=actor, instance=candidate, fields={"invited_at": timezone.now()})
    return candidate


@transaction.atomic
def answer_checklist_item(
    *, actor: User, item: ChecklistItem, answer: str, evidence: File | None = None
) -> ChecklistItem:
    """A vendor lead answers one item of their own checklist (once invited), with evidence."""
    if not answer.strip() and evidence is None and not item.evidence:
        raise ValidationError({"answer": "Write an answer or attach evidence."})
    if item.candidate.invited_at is None:
        raise ValidationError("The client has not opened this checklist to you yet.")
    if item.candidate.evaluation.status == EvaluationStatus.DECIDED:
        raise ValidationError("The evaluation is decided; the checklist is closed.")
    fields: dict[str, Any] = {
        "answer": answer.strip(),
        "answered_by": actor,
        "answered_at": timezone.now(),
    }
    if evidence is not None:
        fields["evidence"] = evidence
        fields["evidence_name"] = getattr(evidence, "name", "")[:200]
    return update_audited(actor=actor, instance=item, fields=fields)
