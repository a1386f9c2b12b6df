"""The communication log, red flags and their overrides."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accord.accounts.models import User
from accord.audit.actions import create_audited, delete_audited, update_audited
from accord.selection import queries
from accord.selection.models import (
    CallOutcome,
    Candidate,
    CommunicationEvent,
    CommunicationKind,
    Evaluation,
    EvaluationStatus,
    RedFlag,
)


@transaction.atomic
def record_communication(
    *,
    actor: User | None,
    candidate: Candidate,
    kind: str,
    subject: str,
    occurred_at: dt.datetime,
    answered_at: dt.datetime | None = None,
    outcome: str = "",
) -> CommunicationEvent:
    """Log a question sent to the candidate (and its answer) or a call (and its outcome)."""
    if kind == CommunicationKind.QUESTION and outcome:
        raise ValidationError({"outcome": "Only calls have an outcome."})
    if kind == CommunicationKind.CALL and answered_at is not None:
        raise ValidationError({"answered_at": "Calls are held or missed, not answered."})
    if outcome not in CallOutcome.values:
        raise ValidationError({"outcome": "A call is held or missed."})
    event = create_audited(
        actor=actor,
        instance=CommunicationEvent(
            candidate=candidate,
            kind=kind,
            subject=subject.strip(),
            occurred_at=occurred_at,
            answered_at=answered_at,
            outcome=outcome,
            recorded_by=actor,
        ),
    )
    refresh_red_flags(evaluation=candidate.evaluation)
    return event


@transaction.atomic
def refresh_red_flags(*, evaluation: Evaluation, now: dt.datetime | None = None) -> list[RedFlag]:
    """Run the rules for every candidate and store what fires.

    A flag whose rule still fires keeps its override unless it got worse (a warning became a
    blocker); a flag whose rule no longer fires is removed. A decided evaluation keeps the
    flags its decision was taken on (its report shows them): they are returned unchanged.
    """
    if evaluation.status == EvaluationStatus.DECIDED:
        return list(RedFlag.objects.filter(candidate__evaluation=evaluation).order_by("pk"))
    stored: list[RedFlag] = []
    for item in queries.candidate_evidence(evaluation, now=now):
        existing = {flag.rule: flag for flag in item.flags}
        for finding in item.findings:
            flag = existing.pop(finding.rule, None)
            if flag is None:
                flag = create_audited(
                    actor=None,
                    instance=RedFlag(
                        candidate=item.candidate,
                        rule=finding.rule,
                        severity=finding.severity,
                        explanation=finding.explanation,
                        evidence=finding.evidence,
                    ),
                )
            else:
                fields: dict[str, Any] = {
                    "severity": finding.severity,
                    "explanation": finding.explanation,
                    "evidence": finding.evidence,
                }
                if flag.severity != finding.severity and finding.severity == "blocker":
                    fields |= {"override_reason": "", "overridden_by": None, "overridden_at": None}
                if any(getattr(flag, k) != v for k, v in fields.items()):
                    flag = update_audited(actor=None, instance=flag, fields=fields)
            stored.append(flag)
        for gone in existing.values():
            delete_audited(actor=None, instance=gone)
    return stored


@transaction.atomic
def override_red_flag(*, actor: User, flag: RedFlag, reason: str) -> RedFlag:
    """A manager lets a flagged candidate into the recommendation, for a recorded reason."""
    if not reason.strip():
        raise ValidationError({"reason": "Say why the flag may be overridden."})
    return update_audited(
        actor=actor,
        instance=flag,
        fields={
            "override_reason": reason.strip(),
            "overridden_by": actor,
            "overridden_at": timezone.now(),
        },
    )


@transaction.atomic
def refresh_vendor_flags(*, vendor_id: int) -> list[RedFlag]:
    """Recompute the red flags of a vendor's candidacies in undecided evaluations.

    The vendor actions call this after every change to a profile or its evidence (a
    certificate added or its validity changed, a case study, a rate-card line, a process
    document), so stored flags always describe the current profile. Flags are stored rather
    than computed on each read because they carry overrides and an audit trail and because
    reads must not write; decided evaluations keep the flags the decision was taken on.
    """
    evaluations = Evaluation.objects.filter(candidates__vendor_id=vendor_id).exclude(
        status=EvaluationStatus.DECIDED
    )
    stored: list[RedFlag] = []
    for evaluation in evaluations.distinct().order_by("pk"):
        stored += [
            flag
            for flag in refresh_red_flags(evaluation=evaluation)
            if flag.candidate.vendor_id == vendor_id
        ]
    return stored


def claim_due_flag_refreshes(now: dt.datetime | None = None) -> list[int]:
    """Claim the undecided evaluations whose red-flag refresh is due; each by one scheduler.

    As with syncs, the claim is a conditional UPDATE that moves next_flag_refresh_at forward by
    ACCORD_FLAG_REFRESH_HOURS; only the worker whose UPDATE changed the row queues the refresh.
    """
    hours = settings.FLAG_REFRESH_HOURS
    if hours == 0:
        return []
    now = now or timezone.now()
    due = (
        Evaluation.objects.exclude(status=EvaluationStatus.DECIDED)
        .filter(Q(next_flag_refresh_at__isnull=True) | Q(next_flag_refresh_at__lte=now))
        .values_list("id", "next_flag_refresh_at")
    )
    claimed = []
    for evaluation_id, seen in due:
        row = Evaluation.objects.filter(pk=evaluation_id)
        row = (
            row.filter(next_flag_refresh_at=seen)
            if seen
            else row.filter(next_flag_refresh_at__isnull=True)
        )
        if row.update(next_flag_refresh_at=now + dt.timedelta(hours=hours)) == 1:
            claimed.append(evaluation_id)
    return claimed


def schedule_flag_refreshes(*, now: dt.datetime | None = None) -> list[int]:
    """Queue a red-flag refresh as of `now` for every evaluation due one; the ids queued.

    Flags follow every change made through Accord at once; this catches what time alone
    changes (a certificate coming within its expiry window, a question left unanswered).
    """
    from accord.selection.tasks import refresh_red_flags_task

    now = now or timezone.now()
    claimed = claim_due_flag_refreshes(now)
    for evaluation_id in claimed:
        refresh_red_flags_task.enqueue(evaluation_id, now.isoformat())
    return claimed
