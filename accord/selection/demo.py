"""The demo workspace's partner selections: one decided (and the engagement it started), one
still being scored.

Idempotent: each evaluation is looked up by its slug first. Every write goes through the same
actions as the UI, so the audit log and the red flags are the real ones.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from accord.accounts.models import User
from accord.selection import actions
from accord.selection.models import Candidate, Decision, Evaluation, EvaluationStatus
from accord.vendors.models import Industry, Vendor

FINISHED_SLUG = "mobile-banking-app-partner-2027"
OPEN_SLUG = "data-platform-partner-2027"

# Per vendor, a base score and the evaluators' spread around it: (evaluator, manager, admin).
FINISHED_SCORES: dict[str, tuple[int, int, int]] = {
    "Vistula Software House": (4, 5, 4),
    "Deccan Digital Labs": (4, 3, 4),
    "Lusitania Code": (3, 3, 4),
    "Andes Nearshore": (3, 2, 4),
}
RATIONALE = {
    5: "Strong, documented evidence; references confirm it.",
    4: "Good evidence with minor gaps.",
    3: "Adequate; some claims are not backed by evidence.",
    2: "Weak; little evidence and vague answers.",
    1: "No evidence.",
}


def _users() -> tuple[User, User, User] | None:
    found = {
        u.username: u for u in User.objects.filter(username__in=["manager", "evaluator", "admin"])
    }
    if len(found) < 3:
        return None
    return found["manager"], found["evaluator"], found["admin"]


def _candidate(evaluation: Evaluation, manager: User, name: str, **fields: object) -> Candidate:
    vendor = Vendor.objects.get(name=name)
    return actions.add_candidate(actor=manager, evaluation=evaluation, vendor=vendor, **fields)  # type: ignore[arg-type]


def _log_slow_answers(candidate: Candidate, manager: User) -> None:
    """Deccan in the demo answers slowly and missed a call, so its flag is earned."""
    start = timezone.now() - dt.timedelta(days=20)
    for i, hours in enumerate((70, 55, 96)):
        sent = start + dt.timedelta(days=2 * i)
        actions.record_communication(
            actor=manager,
            candidate=candidate,
            kind="question",
            subject=f"Due-diligence question {i + 1}",
            occurred_at=sent,
            answered_at=sent + dt.timedelta(hours=hours),
        )
    actions.record_communication(
        actor=manager,
        candidate=candidate,
        kind="call",
        subject="Architecture deep-dive",
        occurred_at=start + dt.timedelta(days=8),
        outcome="missed",
    )


def _finished(manager: User, evaluator: User, admin: User) -> None:
    today = timezone.localdate()
    evaluation = actions.create_evaluation_from_template(
        actor=manager,
        name="Mobile banking app partner, 2027",
        description="A partner to rebuild and run the retail mobile banking app.",
        evaluators=[evaluator, manager, admin],
        industry=Industry.objects.filter(slug="fintech").first(),
        required_certifications=["iso_27001", "soc2_type2"],
        client_time_zone="Europe/Berlin",
        min_overlap_hours=Decimal("4"),
        planned_start=today + dt.timedelta(days=60),
        team_size_needed=20,
        scale_up_weeks_needed=6,
        budget_min=Decimal("1500000"),
        budget_max=Decimal("2200000"),
        currency="EUR",
        status=EvaluationStatus.SCORING,
    )
    candidates = {
        name: _candidate(evaluation, manager, name, proposed_team_size=size)
        for name, size in (
            ("Vistula Software House", 22),
            ("Deccan Digital Labs", 30),
            ("Lusitania Code", 12),
            ("Andes Nearshore", None),
        )
    }
    actions.update_candidate(
        actor=manager,
        candidate=candidates["Deccan Digital Labs"],
        extra_fees="Knowledge-transfer fee of EUR 40,000 at the start.",
    )
    _log_slow_answers(candidates["Deccan Digital Labs"], manager)
    for who, index in ((evaluator, 0), (manager, 1), (admin, 2)):
        for name, candidate in candidates.items():
            base = FINISHED_SCORES[name][index]
            for position, criterion in enumerate(evaluation.criteria.filter(parent__isnull=False)):
                # A little variety per criterion, within 1-5.
                value = max(
                    1,
                    min(
                        5, base + (1 if position % 4 == 0 else 0) - (1 if position % 5 == 3 else 0)
                    ),
                )
                actions.record_score(
                    actor=who,
                    candidate=candidate,
                    criterion=criterion,
                    value=value,
                    rationale=RATIONALE[value],
                )
        actions.submit_scores(actor=who, evaluation=evaluation)
    for flag in candidates["Deccan Digital Labs"].red_flags.filter(rule="certificate_missing"):
        actions.override_red_flag(
            actor=manager,
            flag=flag,
            reason="Recertification audits passed in March; the reissued certificates are due "
            "before the start and are a condition of the contract.",
        )
    decision = actions.record_decision(
        actor=manager,
        evaluation=evaluation,
        selected=candidates["Vistula Software House"],
        reason="Highest weighted score, robust to the weights, no blockers, and the widest "
        "working-hours overlap with the Berlin team.",
        approvers=[admin],
    )
    # Started as the decision page's button does: the engagement carries the winner's
    # promises as its baseline, and the evaluation links to it.
    actions.create_engagement_from_decision(actor=manager, decision=decision)


def _open(manager: User, evaluator: User) -> None:
    evaluation = actions.create_evaluation_from_template(
        actor=manager,
        name="Data platform partner, 2027",
        description="A partner for the analytics and data platform.",
        evaluators=[evaluator],
        required_certifications=["iso_27001"],
        client_time_zone="Europe/Berlin",
        min_overlap_hours=Decimal("3"),
        planned_start=timezone.localdate() + dt.timedelta(days=120),
        team_size_needed=8,
        status=EvaluationStatus.SCORING,
    )
    for name in ("Deccan Digital Labs", "Southern Cross Cloud"):
        candidate = _candidate(evaluation, manager, name)
        actions.invite_candidate(actor=manager, candidate=candidate)


def load_selection_demo() -> bool:
    """Add the demo evaluations that are missing; True when something was created."""
    users = _users()
    needed = [
        "Vistula Software House",
        "Deccan Digital Labs",
        "Lusitania Code",
        "Andes Nearshore",
        "Southern Cross Cloud",
    ]
    if users is None or Vendor.objects.filter(name__in=needed).count() < len(needed):
        return False
    manager, evaluator, admin = users
    created = False
    finished = Evaluation.objects.filter(slug=FINISHED_SLUG).first()
    if finished is None:
        _finished(manager, evaluator, admin)
        created = True
    else:
        # A workspace loaded before the demo started the engagement from its decision.
        decision = Decision.objects.filter(evaluation=finished, baseline__isnull=True).first()
        if decision is not None:
            actions.create_engagement_from_decision(actor=manager, decision=decision)
            created = True
    if not Evaluation.objects.filter(slug=OPEN_SLUG).exists():
        _open(manager, evaluator)
        created = True
    return created
