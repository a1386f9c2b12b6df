"""What the selection API reads and writes. Nested fields are read-only; writes go to actions."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers

from accord.accounts.models import CLIENT_ROLES, User
from accord.selection.models import (
    EDITABLE_FIELDS,
    Candidate,
    ChecklistItem,
    CriteriaTemplate,
    Criterion,
    Decision,
    Evaluation,
    RedFlag,
    Score,
)
from accord.selection.queries import CandidateEvidence, Group, RankingResult
from accord.vendors.api import SlugField
from accord.vendors.models import Capability, CertificationKind, DocumentKind, Industry, Vendor


def _username(**kwargs: Any) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(slug_field="username", read_only=True, **kwargs)


class ClientUserField(serializers.SlugRelatedField):
    """A client user named by username (evaluators, approvers); vendor users are refused."""

    default_error_messages = {
        "does_not_exist": "There is no active client user “{value}”; name client users by "
        "their username.",
        "invalid": "Name each user by their username, a string.",
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="username", **kwargs)

    def get_queryset(self) -> QuerySet[User]:
        return User.objects.filter(is_active=True, role__in=CLIENT_ROLES)


class CriteriaTemplateSerializer(serializers.ModelSerializer):
    class Meta:
        model = CriteriaTemplate
        fields = ["id", "name", "description", "definition", "created_at"]


class EvaluationSerializer(serializers.ModelSerializer):
    industry = SlugField(
        slug_field="slug",
        queryset=Industry.objects.all(),
        required=False,
        allow_null=True,
        help_text="The client's industry, by slug (fintech, healthcare…).",
        error_messages={"does_not_exist": "There is no industry “{value}”; use one of its slugs."},
    )
    capabilities = SlugField(
        slug_field="slug",
        many=True,
        queryset=Capability.objects.all(),
        required=False,
        help_text="Required technologies, by slug (ai-ml, cloud…).",
        error_messages={
            "does_not_exist": "There is no capability “{value}”; use one of its slugs."
        },
    )
    required_certifications = serializers.ListField(
        child=serializers.ChoiceField(choices=CertificationKind.choices),
        required=False,
        help_text="Certificate kinds each candidate must hold on the planned start date.",
    )
    required_documents = serializers.ListField(
        child=serializers.ChoiceField(choices=DocumentKind.choices),
        required=False,
        help_text="Process documents each candidate must provide (default: SDLC, security "
        "policy, incident response).",
    )
    template = serializers.PrimaryKeyRelatedField(
        queryset=CriteriaTemplate.objects.all(),
        required=False,
        allow_null=True,
        write_only=True,
        help_text="Id of the criteria template to start from (the default when left out); "
        "only when creating.",
        error_messages={
            "does_not_exist": "There is no criteria template with id {pk_value}; see "
            "/api/v1/criteria-templates/."
        },
    )
    evaluators = ClientUserField(
        many=True,
        required=False,
        help_text="Usernames of the client users who score; only when creating.",
    )

    class Meta:
        model = Evaluation
        fields = ["id", "slug", *EDITABLE_FIELDS, "template", "evaluators", "created_at"]
        read_only_fields = ["slug", "created_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None:
            for field in ("template", "evaluators"):
                if field in attrs:
                    raise serializers.ValidationError(
                        {field: f"The {field} can only be given when creating an evaluation."}
                    )
        return attrs


class SubCriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Criterion
        fields = ["id", "name", "description", "weight", "anchor_1", "anchor_3", "anchor_5"]


class CriteriaGroupSerializer(serializers.Serializer):
    """A criteria group with its sub-criteria (weights in % of their level)."""

    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    description = serializers.CharField()
    weight = serializers.DecimalField(max_digits=5, decimal_places=2)
    criteria = SubCriterionSerializer(source="subs", many=True)

    def to_representation(self, instance: Group) -> dict[str, Any]:
        return super().to_representation(instance)


class WeightsSerializer(serializers.Serializer):
    weights = serializers.DictField(
        child=serializers.DecimalField(max_digits=5, decimal_places=2),
        help_text='Percent weights by criterion id, e.g. {"12": 30}; criteria left out keep '
        "theirs. Each level must still add up to 100.",
    )

    def validate_weights(self, value: dict[str, Any]) -> dict[int, Any]:
        if not all(key.isdigit() for key in value):
            raise serializers.ValidationError("Key each weight by its criterion's id.")
        return {int(key): weight for key, weight in value.items()}


class CandidateSerializer(serializers.Serializer):
    """A candidate with the computed evidence summary (from queries.candidate_evidence)."""

    id = serializers.IntegerField(source="candidate.pk")
    vendor = serializers.IntegerField(source="candidate.vendor_id")
    vendor_name = serializers.CharField(source="candidate.vendor.name")
    status = serializers.CharField(source="candidate.status")
    proposed_team_size = serializers.IntegerField(
        source="candidate.proposed_team_size", allow_null=True
    )
    extra_fees = serializers.CharField(source="candidate.extra_fees")
    invited_at = serializers.DateTimeField(source="candidate.invited_at", allow_null=True)
    best_overlap_hours = serializers.FloatField(source="best_overlap", allow_null=True)
    certificates = serializers.SerializerMethodField()
    case_studies = serializers.IntegerField(source="track.case_studies")
    references = serializers.IntegerField(source="track.references")
    industry_served = serializers.BooleanField(source="track.industry_served")
    median_response_hours = serializers.FloatField(
        source="communication.median_response_hours", allow_null=True
    )
    calls_missed = serializers.IntegerField(source="communication.calls_missed")
    blocked = serializers.BooleanField(
        help_text="Whether an un-overridden blocker keeps it out of the recommendation."
    )

    def get_certificates(self, item: CandidateEvidence) -> dict[str, str]:
        """Each required certificate kind and its standing on the planned start date."""
        return {c.kind: c.standing for c in item.certificates}


class NewCandidateSerializer(serializers.Serializer):
    vendor = serializers.PrimaryKeyRelatedField(
        queryset=Vendor.objects.all(),
        help_text="The vendor's id (see /api/v1/vendors/).",
        error_messages={
            "does_not_exist": "There is no vendor with id {pk_value}; see /api/v1/vendors/.",
            "required": "Give the id of the vendor to add.",
        },
    )
    proposed_team_size = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    extra_fees = serializers.CharField(required=False, allow_blank=True, default="")


class ScoreSerializer(serializers.ModelSerializer):
    vendor_name = serializers.CharField(source="candidate.vendor.name", read_only=True)
    criterion_name = serializers.CharField(source="criterion.name", read_only=True)
    evaluator = _username()

    class Meta:
        model = Score
        fields = [
            "id",
            "candidate",
            "vendor_name",
            "criterion",
            "criterion_name",
            "evaluator",
            "value",
            "rationale",
            "submitted",
            "updated_at",
        ]


class NewScoreSerializer(serializers.Serializer):
    """One score: the action checks the candidate, criterion, value and rationale."""

    candidate = serializers.IntegerField(help_text="A candidate id of this evaluation.")
    criterion = serializers.IntegerField(help_text="A sub-criterion id of this evaluation.")
    value = serializers.IntegerField(
        help_text="1 to 5; the criterion's anchors say what 1/3/5 mean."
    )
    rationale = serializers.CharField(help_text="Why this score.", allow_blank=True)


class RedFlagSerializer(serializers.ModelSerializer):
    vendor_name = serializers.CharField(source="candidate.vendor.name", read_only=True)
    overridden_by = _username()
    blocks = serializers.BooleanField(read_only=True)

    class Meta:
        model = RedFlag
        fields = [
            "id",
            "candidate",
            "vendor_name",
            "rule",
            "severity",
            "explanation",
            "evidence",
            "raised_at",
            "blocks",
            "override_reason",
            "overridden_by",
            "overridden_at",
        ]


class OverrideSerializer(serializers.Serializer):
    reason = serializers.CharField(
        help_text="Why the candidate may be recommended despite the flag.", allow_blank=True
    )


class DecisionSerializer(serializers.ModelSerializer):
    vendor_name = serializers.CharField(source="selected.vendor.name", read_only=True)
    approvers = ClientUserField(many=True, required=False, help_text="Usernames of approvers.")
    decided_by = _username()
    selected = serializers.IntegerField(
        source="selected_id", help_text="The chosen candidate's id."
    )

    engagement = serializers.SerializerMethodField()

    class Meta:
        model = Decision
        fields = [
            "selected",
            "vendor_name",
            "reason",
            "approvers",
            "decided_by",
            "decided_at",
            "engagement",
        ]
        read_only_fields = ["decided_at"]
        extra_kwargs = {"reason": {"allow_blank": True}}

    def get_engagement(self, decision: Decision) -> int | None:
        """The id of the engagement started from the decision, once there is one."""
        baseline = getattr(decision, "baseline", None)
        return baseline.engagement_id if baseline is not None else None


class BaselineSerializer(serializers.Serializer):
    """The engagement started from a decision, with the promises it carries as its baseline."""

    engagement = serializers.IntegerField(source="engagement_id")
    engagement_slug = serializers.CharField(source="engagement.slug")
    promises = serializers.JSONField()


class RankingSerializer(serializers.Serializer):
    """Weighted totals, ranks, the recommendation and how robust the winner is."""

    def to_representation(self, result: RankingResult) -> dict[str, Any]:
        names = result.group_names
        return {
            "rows": [
                {
                    "rank": row.rank,
                    "candidate": row.candidate.pk,
                    "vendor_name": row.candidate.vendor.name,
                    "total": row.total,
                    "blocked": row.blocked,
                    "group_scores": {names[pk]: v for pk, v in row.group_scores.items()},
                }
                for row in result.rows
            ],
            "unscored": [c.pk for c in result.unscored],
            "weights": {names[pk]: share for pk, share in result.group_shares.items()},
            "recommended": result.recommended.pk if result.recommended else None,
            "verdict": result.verdict,
            "sensitivity": [
                {
                    "criterion": names.get(p.criterion, str(p.criterion)),  # type: ignore[call-overload]
                    "share": p.share,
                    "flip_share": p.flip_share,
                    "change": p.change,
                    "new_winner": getattr(getattr(p.new_winner, "vendor", None), "name", None),
                    "fragile": p.fragile,
                }
                for p in result.sensitivity
            ],
        }


class ChecklistItemSerializer(serializers.ModelSerializer):
    answered_by = _username()

    class Meta:
        model = ChecklistItem
        fields = [
            "id",
            "topic",
            "subject",
            "question",
            "answer",
            "evidence_name",
            "answered_by",
            "answered_at",
        ]


class CandidacySerializer(serializers.ModelSerializer):
    """A vendor user's own candidacy: the evaluation's name and their checklist, nothing else."""

    evaluation = serializers.CharField(source="evaluation.name", read_only=True)
    evaluation_status = serializers.CharField(source="evaluation.status", read_only=True)
    checklist = ChecklistItemSerializer(many=True, read_only=True)

    class Meta:
        model = Candidate
        fields = ["id", "evaluation", "evaluation_status", "invited_at", "checklist"]


class AnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(required=False, allow_blank=True, default="")
    evidence = serializers.FileField(
        required=False, allow_null=True, help_text="A PDF, office document or image."
    )
