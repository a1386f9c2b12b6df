"""The red-flag rule engine: each rule looks at a candidate's computed facts and, when it fires,
says how bad it is (blocker or warning), why in one sentence, and which evidence triggered it.

Pure: the facts are gathered by `queries.candidate_facts`; nothing here reads the database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from accord.selection.evidence import CertificateCoverage, Overlap, Responsiveness, TrackRecord

BLOCKER, WARNING = "blocker", "warning"
# Rate-card notes that mean "no firm price".
VAGUE_PRICE_WORDS = ("tbd", "tba", "variable", "on request", "negotiable", "to be agreed")


@dataclass(frozen=True)
class Requirements:
    required_documents: tuple[str, ...] = ()
    required_certifications: tuple[str, ...] = ()
    min_overlap_hours: float = 0.0
    response_threshold_hours: float = 48.0
    team_size_needed: int | None = None
    scale_up_weeks_needed: int | None = None


@dataclass(frozen=True)
class RateLine:
    role: str
    amount: Decimal | None
    note: str = ""


@dataclass(frozen=True)
class CandidateFacts:
    vendor: str
    documents: tuple[str, ...] = ()
    pricing_model: str = ""
    rate_lines: tuple[RateLine, ...] = ()
    extra_fees: str = ""
    track: TrackRecord | None = None
    certificates: tuple[CertificateCoverage, ...] = ()
    overlaps: tuple[tuple[str, Overlap], ...] = ()
    communication: Responsiveness | None = None
    proposed_team_size: int | None = None
    scale_up_capacity: int | None = None
    scale_up_weeks: int | None = None
    document_labels: dict[str, str] = field(default_factory=dict)
    certificate_labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    explanation: str
    evidence: dict[str, Any]


Rule = Callable[[CandidateFacts, Requirements], Finding | None]
RULES: dict[str, tuple[str, Rule]] = {}


def rule(name: str, title: str) -> Callable[[Rule], Rule]:
    def register(function: Rule) -> Rule:
        RULES[name] = (title, function)
        return function

    return register


@rule("missing_process_documents", "No clear documentation or processes")
def missing_process_documents(facts: CandidateFacts, req: Requirements) -> Finding | None:
    missing = [kind for kind in req.required_documents if kind not in facts.documents]
    if not missing:
        return None
    names = [facts.document_labels.get(kind, kind) for kind in missing]
    none_at_all = len(missing) == len(req.required_documents)
    return Finding(
        "missing_process_documents",
        BLOCKER if none_at_all else WARNING,
        f"{facts.vendor} has not provided {_join(names)}"
        + (", so none of the required process documents is on file." if none_at_all else "."),
        {"required": list(req.required_documents), "missing": missing},
    )


@rule("unclear_pricing", "Unclear pricing or hidden fees")
def unclear_pricing(facts: CandidateFacts, req: Requirements) -> Finding | None:
    problems: list[str] = []
    if not facts.pricing_model:
        problems.append("no pricing model")
    if not facts.rate_lines:
        problems.append("an empty rate card")
    unpriced = [line.role for line in facts.rate_lines if line.amount is None]
    vague = [
        line.role
        for line in facts.rate_lines
        if any(word in line.note.lower() for word in VAGUE_PRICE_WORDS)
    ]
    if unpriced:
        problems.append(f"no amount for {_join(unpriced)}")
    if vague:
        problems.append(f"prices marked TBD or variable for {_join(sorted(set(vague)))}")
    if facts.extra_fees.strip():
        problems.append(f"fees outside the rate card ({facts.extra_fees.strip()})")
    if not problems:
        return None
    return Finding(
        "unclear_pricing",
        WARNING,
        f"{facts.vendor}'s pricing is unclear: {'; '.join(problems)}.",
        {
            "pricing_model": facts.pricing_model,
            "rate_lines": len(facts.rate_lines),
            "without_amount": unpriced,
            "vague": vague,
            "extra_fees": facts.extra_fees.strip(),
        },
    )


@rule("poor_communication", "Inconsistent or poor communication")
def poor_communication(facts: CandidateFacts, req: Requirements) -> Finding | None:
    comm = facts.communication
    if comm is None:
        return None
    problems: list[str] = []
    slow = (
        comm.median_response_hours is not None
        and comm.median_response_hours > req.response_threshold_hours
    )
    if slow:
        problems.append(
            f"median answer time {comm.median_response_hours:g} h "
            f"(threshold {req.response_threshold_hours:g} h)"
        )
    if comm.overdue:
        problems.append(f"{comm.overdue} question(s) unanswered past the threshold")
    if comm.calls_missed:
        problems.append(f"{comm.calls_missed} missed call(s)")
    if not problems:
        return None
    return Finding(
        "poor_communication",
        WARNING,
        f"{facts.vendor} communicates inconsistently: {'; '.join(problems)}.",
        {
            "median_response_hours": comm.median_response_hours,
            "threshold_hours": req.response_threshold_hours,
            "response_hours": list(comm.response_hours),
            "overdue": comm.overdue,
            "calls": comm.calls,
            "calls_missed": comm.calls_missed,
        },
    )


@rule("no_track_record", "No case studies or client testimonials")
def no_track_record(facts: CandidateFacts, req: Requirements) -> Finding | None:
    track = facts.track
    if track is None:
        return None
    voices = track.references + track.testimonials
    if track.case_studies and voices:
        return None
    missing = [
        label
        for label, count in (
            ("case studies", track.case_studies),
            ("references or testimonials", voices),
        )
        if count == 0
    ]
    return Finding(
        "no_track_record",
        WARNING,
        f"{facts.vendor} shows no {' and no '.join(missing)}, so past delivery cannot be checked.",
        {
            "case_studies": track.case_studies,
            "references": track.references,
            "testimonials": track.testimonials,
        },
    )


@rule("certificate_missing", "Required certificate missing or expired")
def certificate_missing(facts: CandidateFacts, req: Requirements) -> Finding | None:
    bad = [c for c in facts.certificates if c.standing in {"missing", "expired", "not_yet_valid"}]
    if not bad:
        return None
    words = {"missing": "missing", "expired": "expired", "not_yet_valid": "not yet valid"}
    parts = [f"{facts.certificate_labels.get(c.kind, c.kind)} {words[c.standing]}" for c in bad]
    return Finding(
        "certificate_missing",
        BLOCKER,
        f"On the planned start date {facts.vendor} lacks a valid required certificate: "
        f"{_join(parts)}.",
        {"certificates": [_coverage(c) for c in bad]},
    )


@rule("certificate_expiring", "Required certificate expiring soon")
def certificate_expiring(facts: CandidateFacts, req: Requirements) -> Finding | None:
    soon = [c for c in facts.certificates if c.standing == "expiring"]
    if not soon:
        return None
    parts = [
        f"{facts.certificate_labels.get(c.kind, c.kind)} ({c.days_left} days left)" for c in soon
    ]
    return Finding(
        "certificate_expiring",
        WARNING,
        f"{facts.vendor}'s {_join(parts)} lapses within the first 90 days; ask for the renewal.",
        {"certificates": [_coverage(c) for c in soon]},
    )


@rule("low_overlap", "Working-hours overlap below the minimum")
def low_overlap(facts: CandidateFacts, req: Requirements) -> Finding | None:
    if not facts.overlaps:
        return Finding(
            "low_overlap",
            BLOCKER,
            f"{facts.vendor} has no delivery location on file, so the overlap cannot be shown.",
            {"locations": [], "minimum_hours": req.min_overlap_hours},
        )
    best_label, best = max(facts.overlaps, key=lambda pair: pair[1].hours)
    if best.hours >= req.min_overlap_hours:
        return None
    return Finding(
        "low_overlap",
        BLOCKER,
        f"{facts.vendor}'s best location ({best_label}) overlaps the client's day by "
        f"{best.hours:g} h, below the minimum of {req.min_overlap_hours:g} h.",
        {
            "minimum_hours": req.min_overlap_hours,
            "locations": [
                {"location": label, "hours": o.hours, "working": o.working}
                for label, o in facts.overlaps
            ],
        },
    )


@rule("team_too_small", "Team too small for the needed scale")
def team_too_small(facts: CandidateFacts, req: Requirements) -> Finding | None:
    problems: list[str] = []
    severity = WARNING
    available = facts.proposed_team_size or facts.scale_up_capacity
    if req.team_size_needed:
        if available is None:
            problems.append(
                f"it has not said whether it can provide {req.team_size_needed} engineers"
            )
        elif available < req.team_size_needed:
            severity = BLOCKER
            problems.append(
                f"it can provide {available} engineers of the {req.team_size_needed} needed"
            )
    slow = (
        req.scale_up_weeks_needed is not None
        and facts.scale_up_weeks is not None
        and facts.scale_up_weeks > req.scale_up_weeks_needed
    )
    if slow:
        problems.append(
            f"it needs {facts.scale_up_weeks} weeks to scale up, not {req.scale_up_weeks_needed}"
        )
    if not problems:
        return None
    return Finding(
        "team_too_small",
        severity,
        f"{facts.vendor} may not reach the needed scale: {'; '.join(problems)}.",
        {
            "needed": req.team_size_needed,
            "available": available,
            "scale_up_weeks": facts.scale_up_weeks,
            "scale_up_weeks_needed": req.scale_up_weeks_needed,
        },
    )


def evaluate(facts: CandidateFacts, requirements: Requirements) -> list[Finding]:
    """Every rule that fires for the candidate, blockers first."""
    found = [f for _, check in RULES.values() if (f := check(facts, requirements)) is not None]
    return sorted(found, key=lambda f: (f.severity != BLOCKER, f.rule))


def _coverage(c: CertificateCoverage) -> dict[str, Any]:
    return {"kind": c.kind, "standing": c.standing, "days_left": c.days_left, "working": c.working}


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
