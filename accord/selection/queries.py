"""Reads shared by the selection pages, API, report and CLI: visibility, evidence, ranking."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from accord.accounts import policy
from accord.accounts.policy import AnyUser
from accord.selection import evidence, ranking, redflags
from accord.selection.models import (
    Candidate,
    CandidateStatus,
    ChecklistItem,
    Criterion,
    Decision,
    Evaluation,
    EvaluatorAssignment,
    RedFlag,
    Score,
)
from accord.vendors.models import CertificationKind, DocumentKind

# --- Visibility -----------------------------------------------------------------------------


def evaluation_for(user: AnyUser, slug: str) -> Evaluation:
    """The evaluation with this slug if the user may know it exists, else 404."""
    found = policy.visible_evaluations(user).filter(slug=slug).select_related("industry").first()
    if found is None:
        raise Http404("No such evaluation.")
    return found


def candidacy_for(user: AnyUser, pk: int) -> Candidate:
    """A vendor user's own candidacy (for the portal), else 404."""
    found = (
        policy.visible_candidacies(user)
        .filter(pk=pk)
        .select_related("evaluation", "vendor")
        .first()
    )
    if found is None:
        raise Http404("No such candidacy.")
    return found


def decision_of(evaluation: Evaluation) -> Decision | None:
    """The evaluation's decision with the chosen vendor and the engagement it started, if any."""
    return (
        Decision.objects.select_related("selected__vendor", "baseline__engagement")
        .filter(evaluation=evaluation)
        .first()
    )


def candidates_of(evaluation: Evaluation) -> QuerySet[Candidate]:
    return evaluation.candidates.select_related("vendor").order_by("vendor__name")


@dataclass
class Group:
    """A criteria group with its sub-criteria, in order."""

    criterion: Criterion
    subs: list[Criterion]

    @property
    def pk(self) -> int:
        return self.criterion.pk

    @property
    def name(self) -> str:
        return self.criterion.name

    @property
    def weight(self) -> Decimal:
        return self.criterion.weight

    @property
    def description(self) -> str:
        return self.criterion.description


def groups_of(evaluation: Evaluation) -> list[Group]:
    """Criteria groups in order, each with its sub-criteria in order (one query)."""
    criteria = list(evaluation.criteria.all())
    by_parent: dict[int, list[Criterion]] = defaultdict(list)
    for c in criteria:
        if c.parent_id is not None:
            by_parent[c.parent_id].append(c)
    return [Group(c, by_parent[c.pk]) for c in criteria if c.parent_id is None]


def leaf_shares(groups: Sequence[Group]) -> dict[int, float]:
    """Each sub-criterion's share of the whole: group weight x its weight within the group."""
    return {
        sub.pk: float(group.weight) / 100 * float(sub.weight) / 100
        for group in groups
        for sub in group.subs
    }


# --- Evidence and red flags -----------------------------------------------------------------


@dataclass
class CandidateEvidence:
    candidate: Candidate
    facts: redflags.CandidateFacts
    overlaps: list[tuple[str, evidence.Overlap]]
    certificates: list[evidence.CertificateCoverage]
    track: evidence.TrackRecord
    communication: evidence.Responsiveness
    findings: list[redflags.Finding]
    flags: list[RedFlag] = field(default_factory=list)

    @property
    def best_overlap(self) -> float | None:
        return max((o.hours for _, o in self.overlaps), default=None)

    @property
    def blocked(self) -> bool:
        return any(flag.blocks for flag in self.flags)


def requirements_of(evaluation: Evaluation) -> redflags.Requirements:
    return redflags.Requirements(
        required_documents=tuple(evaluation.required_documents),
        required_certifications=tuple(evaluation.required_certifications),
        min_overlap_hours=float(evaluation.min_overlap_hours),
        response_threshold_hours=float(evaluation.response_threshold_hours),
        team_size_needed=evaluation.team_size_needed,
        scale_up_weeks_needed=evaluation.scale_up_weeks_needed,
    )


def reference_day(evaluation: Evaluation, now: dt.datetime | None = None) -> dt.date:
    """The day evidence is computed for: the planned start, or the day of `now` (today) when
    none is set."""
    return evaluation.planned_start or timezone.localdate(now)


def _prefetched(evaluation: Evaluation) -> QuerySet[Candidate]:
    return candidates_of(evaluation).prefetch_related(
        "vendor__locations",
        "vendor__certifications",
        "vendor__documents",
        "vendor__rate_card",
        "vendor__industries",
        "vendor__case_studies__industry",
        "vendor__references",
        "communications",
        Prefetch("red_flags", queryset=RedFlag.objects.select_related("overridden_by")),
    )


def candidate_evidence(
    evaluation: Evaluation, *, now: dt.datetime | None = None
) -> list[CandidateEvidence]:
    """Computed evidence and rule findings for every candidate, with the stored flags."""
    now = now or timezone.now()
    day = reference_day(evaluation, now)
    requirements = requirements_of(evaluation)
    client = evidence.Hours(
        evaluation.client_time_zone, evaluation.client_work_start, evaluation.client_work_end
    )
    industry = evaluation.industry.slug if evaluation.industry else None
    result = []
    for candidate in _prefetched(evaluation):
        vendor = candidate.vendor
        overlaps = [
            (
                str(loc),
                evidence.working_hours_overlap(
                    client, evidence.Hours(loc.time_zone, loc.work_start, loc.work_end), day
                ),
            )
            for loc in vendor.locations.all()
        ]
        certificates = evidence.certificate_coverage(
            evaluation.required_certifications,
            [
                evidence.CertificateFact(c.kind, c.label, c.valid_from, c.valid_until)
                for c in vendor.certifications.all()
            ],
            day,
        )
        track = evidence.track_record(
            industry=industry,
            vendor_industries=[i.slug for i in vendor.industries.all()],
            case_study_industries=[
                cs.industry.slug if cs.industry else None for cs in vendor.case_studies.all()
            ],
            reference_kinds=[r.kind for r in vendor.references.all()],
        )
        communication = evidence.responsiveness(
            [
                evidence.Contact(e.kind, e.occurred_at, e.answered_at, e.outcome)
                for e in candidate.communications.all()
            ],
            now=now,
            threshold_hours=float(evaluation.response_threshold_hours),
        )
        facts = redflags.CandidateFacts(
            vendor=vendor.name,
            documents=tuple(d.kind for d in vendor.documents.all()),
            pricing_model=vendor.pricing_model,
            rate_lines=tuple(
                redflags.RateLine(str(line), line.amount, line.note)
                for line in vendor.rate_card.all()
            ),
            extra_fees=candidate.extra_fees,
            track=track,
            certificates=tuple(certificates),
            overlaps=tuple(overlaps),
            communication=communication,
            proposed_team_size=candidate.proposed_team_size,
            scale_up_capacity=vendor.scale_up_capacity,
            scale_up_weeks=vendor.scale_up_weeks,
            document_labels=dict(DocumentKind.choices),
            certificate_labels=dict(CertificationKind.choices),
        )
        result.append(
            CandidateEvidence(
                candidate=candidate,
                facts=facts,
                overlaps=overlaps,
                certificates=certificates,
                track=track,
                communication=communication,
                findings=redflags.evaluate(facts, requirements),
                flags=list(candidate.red_flags.all()),
            )
        )
    return result


# --- Scores ---------------------------------------------------------------------------------


def assignment_of(user: AnyUser, evaluation: Evaluation) -> EvaluatorAssignment | None:
    if not user.is_authenticated:
        return None
    return evaluation.assignments.filter(evaluator_id=user.pk).first()


def sees_others_scores(user: AnyUser, evaluation: Evaluation) -> bool:
    """Blind mode: an assigned evaluator sees others' scores only once they submitted their own.
    Client users who do not score (managers, viewers, admins) see submitted scores."""
    assignment = assignment_of(user, evaluation)
    if assignment is None:
        return policy.is_client(user)
    return not evaluation.blind or assignment.submitted_at is not None


def visible_scores(user: AnyUser, evaluation: Evaluation) -> QuerySet[Score]:
    """The user's own scores, and others' submitted scores when the blind rule allows."""
    base = Score.objects.filter(candidate__evaluation=evaluation).select_related(
        "evaluator", "criterion", "candidate__vendor"
    )
    if not policy.is_client(user):
        return base.none()
    own = base.filter(evaluator_id=user.pk)
    if sees_others_scores(user, evaluation):
        return base.filter(submitted=True) | own
    return own


def aggregates(
    evaluation: Evaluation, scores: Sequence[Score]
) -> dict[tuple[int, int], ranking.Spread]:
    """Spread of submitted scores per (candidate id, sub-criterion id)."""
    values: dict[tuple[int, int], list[float]] = defaultdict(list)
    for score in scores:
        if score.submitted:
            values[(score.candidate_id, score.criterion_id)].append(score.value)
    return {key: ranking.aggregate(v) for key, v in values.items()}


# --- Ranking --------------------------------------------------------------------------------


@dataclass
class RankRow:
    candidate: Candidate
    total: float
    rank: int
    blocked: bool
    group_scores: dict[int, float]


@dataclass
class RankingResult:
    rows: list[RankRow]
    unscored: list[Candidate]
    group_shares: dict[int, float]
    sensitivity: list[ranking.FlipPoint]
    verdict: str | None
    recommended: Candidate | None
    groups: list[Group]

    @property
    def group_names(self) -> dict[int, str]:
        return {g.pk: g.name for g in self.groups}


def ranking_for(
    evaluation: Evaluation,
    *,
    group_weights: Mapping[int, float] | None = None,
    scores: Sequence[Score] | None = None,
) -> RankingResult:
    """Weighted totals from the mean of submitted scores, ranks, and how robust the winner is.

    A candidate is ranked once every sub-criterion has at least one submitted score. The
    recommendation is the best-ranked candidate without an un-overridden blocker; sensitivity
    is computed among those eligible candidates, on the group weights (`group_weights` for the
    what-if panel, else the stored ones).
    """
    groups = groups_of(evaluation)
    if scores is None:
        scores = list(Score.objects.filter(candidate__evaluation=evaluation, submitted=True))
    spreads = aggregates(evaluation, scores)
    candidates = list(
        candidates_of(evaluation)
        .filter(status=CandidateStatus.ACTIVE)
        .prefetch_related("red_flags")
    )
    shares_in_group = {sub.pk: float(sub.weight) for g in groups for sub in g.subs}
    group_scores: dict[Candidate, dict[int, float]] = {}
    unscored: list[Candidate] = []
    for candidate in candidates:
        by_group: dict[int, float] = {}
        complete = True
        for group in groups:
            subs = group.subs
            means = {
                s.pk: spreads[(candidate.pk, s.pk)].mean
                for s in subs
                if (candidate.pk, s.pk) in spreads
            }
            if len(means) < len(subs):
                complete = False
                break
            weight_sum = sum(shares_in_group[pk] for pk in means)
            by_group[group.pk] = (
                sum(shares_in_group[pk] * m for pk, m in means.items()) / weight_sum
                if weight_sum
                else sum(means.values()) / len(means)
            )
        if complete and groups:
            group_scores[candidate] = by_group
        else:
            unscored.append(candidate)
    weights = {
        g.pk: float(group_weights[g.pk])
        if group_weights and g.pk in group_weights
        else float(g.weight)
        for g in groups
    }
    if not group_scores or sum(weights.values()) <= 0:
        return RankingResult([], unscored, {}, [], None, None, groups)
    shares = ranking.normalized(weights)
    totals = ranking.weighted_totals(group_scores, shares)
    order = sorted(group_scores, key=lambda c: c.vendor.name)
    blocked = {c: any(f.blocks for f in c.red_flags.all()) for c in group_scores}
    rows = [
        RankRow(r.candidate, r.total, r.rank, blocked[r.candidate], group_scores[r.candidate])
        for r in ranking.rank(totals, order=order)
    ]
    eligible = {c: s for c, s in group_scores.items() if not blocked[c]}
    recommended = next((row.candidate for row in rows if not row.blocked), None)
    points = ranking.sensitivity(eligible, shares) if len(eligible) >= 2 else []
    return RankingResult(
        rows=rows,
        unscored=unscored,
        group_shares=shares,
        sensitivity=points,
        verdict=ranking.verdict(points) if points else None,
        recommended=recommended,
        groups=groups,
    )


def checklist_of(candidate: Candidate) -> QuerySet[ChecklistItem]:
    return candidate.checklist.select_related("answered_by")
