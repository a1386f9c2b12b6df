"""Partner selection: evaluations, their criteria, candidates, scores, red flags and decisions."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from accord.lib.uploads import RandomName, validate_evidence_file
from accord.selection.redflags import RULES
from accord.vendors.models import currency_code, validate_time_zone


class EvaluationStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SCORING = "scoring", "Scoring"
    DECIDED = "decided", "Decided"


class CriteriaTemplate(models.Model):
    """A reusable set of criteria groups and sub-criteria with weights and 1/3/5 anchors.

    `definition` is a list of groups: {"name", "weight", "description", "criteria": [{"name",
    "weight", "description", "anchor_1", "anchor_3", "anchor_5"}]}; weights are percentages.
    """

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    definition = models.JSONField(default=list)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Evaluation(models.Model):
    """One partner selection: what the client needs, the criteria, the candidates, the outcome."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    status = models.CharField(
        max_length=10, choices=EvaluationStatus.choices, default=EvaluationStatus.DRAFT
    )
    blind = models.BooleanField(
        default=True,
        help_text="Evaluators see other evaluators' scores only after submitting their own.",
    )
    description = models.TextField(blank=True)
    # Requirements profile
    industry = models.ForeignKey(
        "vendors.Industry", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    capabilities = models.ManyToManyField("vendors.Capability", blank=True, related_name="+")
    required_certifications = models.JSONField(
        default=list, blank=True, help_text="Certification kinds, e.g. iso_27001, soc2_type2."
    )
    required_documents = models.JSONField(
        default=list, blank=True, help_text="Process document kinds, e.g. sdlc, security_policy."
    )
    client_time_zone = models.CharField(
        max_length=64, default="Europe/Berlin", validators=[validate_time_zone]
    )
    client_work_start = models.TimeField(default=dt.time(9, 0))
    client_work_end = models.TimeField(default=dt.time(17, 0))
    min_overlap_hours = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        default=Decimal("3"),
        validators=[MinValueValidator(0), MaxValueValidator(24)],
    )
    planned_start = models.DateField(null=True, blank=True)
    team_size_needed = models.PositiveIntegerField(null=True, blank=True)
    scale_up_weeks_needed = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Weeks within which the vendor must be able to scale up."
    )
    budget_min = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    budget_max = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    currency = models.CharField(max_length=3, default="EUR", validators=[currency_code])
    response_threshold_hours = models.PositiveIntegerField(
        default=48, help_text="Median answer time above this is a red flag."
    )
    evaluators = models.ManyToManyField(
        "accounts.User", through="EvaluatorAssignment", related_name="evaluations"
    )
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # When the worker next refreshes the red flags (none: at its next look). The scheduler
    # claims a refresh by moving this forward with a conditional UPDATE, so two workers on two
    # machines never queue the same one (accord.selection.actions.flags).
    next_flag_refresh_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(budget_min__isnull=True)
                | models.Q(budget_max__isnull=True)
                | models.Q(budget_max__gte=models.F("budget_min")),
                name="evaluation_budget_in_order",
            )
        ]

    def __str__(self) -> str:
        return self.name


# What a manager edits about an evaluation: the form and the API take the same fields.
EDITABLE_FIELDS = [
    "name",
    "description",
    "status",
    "blind",
    "industry",
    "capabilities",
    "required_certifications",
    "required_documents",
    "client_time_zone",
    "client_work_start",
    "client_work_end",
    "min_overlap_hours",
    "planned_start",
    "team_size_needed",
    "scale_up_weeks_needed",
    "budget_min",
    "budget_max",
    "currency",
    "response_threshold_hours",
]


class EvaluatorAssignment(models.Model):
    """A client user asked to score an evaluation; `submitted_at` ends their blind phase."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="assignments")
    evaluator = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    assigned_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["evaluation", "evaluator__username"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "evaluator"], name="one_assignment")
        ]

    def __str__(self) -> str:
        return f"{self.evaluator} on {self.evaluation}"


class Criterion(models.Model):
    """A criteria group (no parent) or a sub-criterion scored 1-5 (with a parent group).

    `weight` is a percentage of its level: groups add up to 100, and so do the sub-criteria of
    each group.
    """

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="criteria")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    weight = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    anchor_1 = models.CharField(max_length=300, blank=True, help_text="What a 1 looks like.")
    anchor_3 = models.CharField(max_length=300, blank=True, help_text="What a 3 looks like.")
    anchor_5 = models.CharField(max_length=300, blank=True, help_text="What a 5 looks like.")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["evaluation", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weight__gte=0) & models.Q(weight__lte=100),
                name="criterion_weight_percent",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_group(self) -> bool:
        return self.parent_id is None


class CandidateStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Candidate(models.Model):
    """A vendor competing in an evaluation, with what it proposes."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="candidates")
    vendor = models.ForeignKey(
        "vendors.Vendor", on_delete=models.PROTECT, related_name="candidacies"
    )
    status = models.CharField(
        max_length=10, choices=CandidateStatus.choices, default=CandidateStatus.ACTIVE
    )
    proposed_team_size = models.PositiveIntegerField(
        null=True, blank=True, help_text="Engineers the vendor proposes for this work."
    )
    extra_fees = models.TextField(
        blank=True, help_text="Fees the vendor charges that are not on its rate card."
    )
    invited_at = models.DateTimeField(null=True, blank=True)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["evaluation", "vendor__name"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "vendor"], name="one_candidacy")
        ]

    def __str__(self) -> str:
        return f"{self.vendor} in {self.evaluation}"


class ChecklistTopic(models.TextChoices):
    SECURITY_POLICY = "security_policy", "Security policy"
    CERTIFICATE = "certificate", "Certificate"
    CASE_STUDIES = "case_studies", "Case studies"
    REFERENCES = "references", "References"
    PRICING = "pricing", "Pricing breakdown"
    PROCESS_DOCUMENT = "process_document", "Process document"
    TEAM = "team", "Team and scaling"


class ChecklistItem(models.Model):
    """One due-diligence question a candidate answers in the vendor portal."""

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="checklist")
    topic = models.CharField(max_length=20, choices=ChecklistTopic.choices)
    # The certificate or document kind the item asks about, when there is one.
    subject = models.CharField(max_length=30, blank=True)
    question = models.CharField(max_length=300)
    answer = models.TextField(blank=True)
    evidence = models.FileField(
        upload_to=RandomName("due-diligence"),
        blank=True,
        validators=[validate_evidence_file],
        max_length=200,
    )
    evidence_name = models.CharField(max_length=200, blank=True)
    answered_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["candidate", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "topic", "subject"], name="one_checklist_item_per_subject"
            )
        ]

    def __str__(self) -> str:
        return self.question

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None


class Score(models.Model):
    """One evaluator's 1-5 score of one candidate on one sub-criterion, with the reason."""

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="scores")
    evaluator = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    value = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    rationale = models.TextField()
    submitted = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["candidate", "criterion", "evaluator__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "criterion", "evaluator"], name="one_score_per_evaluator"
            ),
            models.CheckConstraint(
                condition=models.Q(value__gte=1) & models.Q(value__lte=5), name="score_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.value} for {self.candidate.vendor} on {self.criterion}"


class CommunicationKind(models.TextChoices):
    QUESTION = "question", "Question sent"
    CALL = "call", "Call scheduled"


class CallOutcome(models.TextChoices):
    PENDING = "", "Not yet"
    HELD = "held", "Held"
    MISSED = "missed", "Missed by the vendor"


class CommunicationEvent(models.Model):
    """A question sent to a candidate (and when it was answered) or a call (and whether held)."""

    candidate = models.ForeignKey(
        Candidate, on_delete=models.CASCADE, related_name="communications"
    )
    kind = models.CharField(max_length=10, choices=CommunicationKind.choices)
    subject = models.CharField(max_length=200)
    occurred_at = models.DateTimeField(help_text="When the question was sent or the call was set.")
    answered_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=CallOutcome.choices, blank=True, default="")
    recorded_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["candidate", "occurred_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(answered_at__isnull=True)
                | models.Q(answered_at__gte=models.F("occurred_at")),
                name="answer_after_question",
            )
        ]

    def __str__(self) -> str:
        return self.subject


class Severity(models.TextChoices):
    BLOCKER = "blocker", "Blocker"
    WARNING = "warning", "Warning"


class RedFlag(models.Model):
    """A rule's finding about a candidate, with the evidence; a manager may override a blocker."""

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="red_flags")
    rule = models.CharField(max_length=40)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    explanation = models.TextField()
    evidence = models.JSONField(default=dict)
    raised_at = models.DateTimeField(default=timezone.now)
    override_reason = models.TextField(blank=True)
    overridden_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    overridden_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["candidate", "severity", "rule"]
        constraints = [
            models.UniqueConstraint(fields=["candidate", "rule"], name="one_flag_per_rule")
        ]

    def __str__(self) -> str:
        return f"{self.get_severity_display()}: {self.rule}"

    @property
    def title(self) -> str:
        """The rule's name for people ("Hidden fees"), or its key if the rule is gone."""
        return RULES[self.rule][0] if self.rule in RULES else self.rule

    @property
    def is_overridden(self) -> bool:
        return self.overridden_at is not None

    @property
    def evidence_json(self) -> str:
        """The evidence, indented for reading."""
        return json.dumps(self.evidence, indent=2, ensure_ascii=False, sort_keys=True)

    @property
    def blocks(self) -> bool:
        """Whether the flag keeps its candidate out of the recommendation."""
        return self.severity == Severity.BLOCKER and not self.is_overridden


class Decision(models.Model):
    """The manager's choice of partner, with the reason and who approved it."""

    evaluation = models.OneToOneField(Evaluation, on_delete=models.CASCADE, related_name="decision")
    selected = models.ForeignKey(Candidate, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    approvers = models.ManyToManyField("accounts.User", blank=True, related_name="+")
    decided_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.selected.vendor} for {self.evaluation}"


class EngagementBaseline(models.Model):
    """What the winner promised when chosen, kept with the engagement it started.

    Owned by selection so the engagements app needs no knowledge of evaluations; later reviews
    compare these promises with what the delivery data shows.
    """

    engagement = models.OneToOneField(
        "engagements.Engagement", on_delete=models.CASCADE, related_name="selection_baseline"
    )
    decision = models.OneToOneField(Decision, on_delete=models.PROTECT, related_name="baseline")
    promises = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Baseline of {self.engagement}"
