"""/api/v1/evaluations/, /api/v1/criteria-templates/ and /api/v1/candidacies/ under the policy.

The same rules as the pages: evaluations do not exist for vendor users (404) and evaluators
see only those they are assigned to; scores follow the blind rule (an evaluator sees others'
only after submitting their own, and the ranking only then); writes call the same actions.
A vendor user sees only their own candidacies and checklists under /api/v1/candidacies/.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accord.accounts import policy
from accord.accounts.models import User
from accord.accounts.policy import Perm
from accord.selection import actions, queries
from accord.selection.api import serializers as s
from accord.selection.models import CriteriaTemplate, Evaluation, RedFlag


def _actor(request: Request) -> User:
    """The authenticated caller (IsAuthenticated runs first)."""
    assert isinstance(request.user, User)
    return request.user


class EvaluationPermission(permissions.BasePermission):
    """Evaluations do not exist for those who may not view them (404); managing needs
    MANAGE_EVALUATION (403). Sub-resources check their own permission in the view."""

    def has_permission(self, request: Any, view: Any) -> bool:
        if not policy.can(request.user, Perm.VIEW_EVALUATION):
            raise NotFound("No such page.")
        if view.action == "create":
            return policy.can(request.user, Perm.MANAGE_EVALUATION)
        return True

    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        if view.action in {"update", "partial_update"}:
            return policy.can(request.user, Perm.MANAGE_EVALUATION, obj)
        return True


def _require(request: Request, perm: Perm, obj: Any) -> None:
    if not policy.can(request.user, perm, obj):
        raise PermissionDenied("You do not have permission to do this.")


def _require_results(request: Request, evaluation: Evaluation) -> None:
    if not queries.sees_others_scores(request.user, evaluation):
        raise PermissionDenied("Submit your own scores to see the others' and the ranking.")


class CriteriaTemplateViewSet(viewsets.ReadOnlyModelViewSet):
    """Saved criteria templates an evaluation can start from (the built-in default is used
    when none is named, and is listed once the first evaluation created it)."""

    serializer_class = s.CriteriaTemplateSerializer
    permission_classes = [IsAuthenticated, EvaluationPermission]

    def get_queryset(self) -> QuerySet[CriteriaTemplate]:
        return CriteriaTemplate.objects.order_by("name")


class EvaluationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Evaluations: managers and admins create and change them; evaluators score theirs."""

    serializer_class = s.EvaluationSerializer
    permission_classes = [IsAuthenticated, EvaluationPermission]

    def get_queryset(self) -> QuerySet[Evaluation]:
        return (
            policy.visible_evaluations(self.request.user)
            .select_related("industry")
            .prefetch_related("capabilities", "evaluators")
            .order_by("-created_at", "name")
            .distinct()
        )

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = actions.create_evaluation_from_template(
            actor=_actor(self.request),
            name=data.pop("name"),
            template=data.pop("template", None),
            evaluators=data.pop("evaluators", []),
            capabilities=data.pop("capabilities", []),
            **data,
        )

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        capabilities = data.pop("capabilities", None)
        serializer.instance = actions.update_requirements(
            actor=_actor(self.request),
            evaluation=serializer.instance,
            capabilities=capabilities,
            **data,
        )

    @extend_schema(
        summary="Criteria groups with their sub-criteria, weights and 1/3/5 anchors",
        responses=s.CriteriaGroupSerializer(many=True),
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def criteria(self, request: Request, pk: str | None = None) -> Response:
        evaluation = self.get_object()
        groups = queries.groups_of(evaluation)
        return Response(s.CriteriaGroupSerializer(groups, many=True).data)

    @extend_schema(
        summary="Set criterion weights (managers); each level must still add up to 100 %",
        request=s.WeightsSerializer,
        responses=s.CriteriaGroupSerializer(many=True),
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="criteria/weights",
        url_name="set-weights",
        pagination_class=None,
    )
    def set_weights(self, request: Request, pk: str | None = None) -> Response:
        evaluation = self.get_object()
        _require(request, Perm.MANAGE_EVALUATION, evaluation)
        body = s.WeightsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        actions.set_weights(
            actor=_actor(request), evaluation=evaluation, weights=body.validated_data["weights"]
        )
        return Response(s.CriteriaGroupSerializer(queries.groups_of(evaluation), many=True).data)

    @extend_schema(
        methods=["GET"],
        summary="Candidates with their computed evidence",
        responses=s.CandidateSerializer(many=True),
    )
    @extend_schema(
        methods=["POST"],
        summary="Add a vendor as a candidate (managers); its checklist and flags follow",
        request=s.NewCandidateSerializer,
        responses={status.HTTP_201_CREATED: s.CandidateSerializer},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def candidates(self, request: Request, pk: str | None = None) -> Response:
        evaluation = self.get_object()
        if request.method == "POST":
            _require(request, Perm.MANAGE_EVALUATION, evaluation)
            body = s.NewCandidateSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            candidate = actions.add_candidate(
                actor=_actor(request), evaluation=evaluation, **body.validated_data
            )
            item = next(
                e for e in queries.candidate_evidence(evaluation) if e.candidate.pk == candidate.pk
            )
            return Response(s.CandidateSerializer(item).data, status=status.HTTP_201_CREATED)
        items = queries.candidate_evidence(evaluation)
        return Response(s.CandidateSerializer(items, many=True).data)

    @extend_schema(
        methods=["GET"],
        summary="Scores the caller may see: their own, and others' submitted ones once the "
        "blind rule allows",
        responses=s.ScoreSerializer(many=True),
    )
    @extend_schema(
        methods=["POST"],
        summary="Record or change the caller's score of a candidate on a sub-criterion "
        "(assigned evaluators, before they submit)",
        request=s.NewScoreSerializer,
        responses={status.HTTP_201_CREATED: s.ScoreSerializer},
    )
    @action(detail=True, methods=["get", "post"])
    def scores(self, request: Request, pk: str | None = None) -> Response:
        evaluation = self.get_object()
        if request.method == "POST":
            _require(request, Perm.SCORE_EVALUATION, evaluation)
            body = s.NewScoreSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            data = body.validated_data
            candidate = evaluation.candidates.filter(pk=data["candidate"]).first()
            criterion = evaluation.criteria.filter(pk=data["criterion"]).first()
            if candidate is None:
                raise NotFound({"candidate": "There is no such candidate in this evaluation."})
            if criterion is None:
                raise NotFound({"criterion": "There is no such criterion in this evaluation."})
            score = actions.record_score(
                actor=_actor(request),
                candidate=candidate,
                criterion=criterion,
                value=data["value"],
                rationale=data["rationale"],
            )
            return Response(s.ScoreSerializer(score).data, status=status.HTTP_201_CREATED)
        scores = queries.visible_scores(request.user, evaluation).order_by(
            "candidate__vendor__name", "criterion__position", "criterion_id", "evaluator__username"
        )
        page = self.paginate_queryset(scores)
        return self.get_paginated_response(s.ScoreSerializer(page, many=True).data)

    @extend_schema(
        summary="Submit all of the caller's scores; after this they see the others'",
        request=None,
        responses={status.HTTP_200_OK: None},
    )
    @action(detail=True, methods=["post"], url_path="scores/submit", url_name="submit-scores")
    def submit_scores(self, request: Request, pk: str | None = None) -> Response:
        evaluation = self.get_object()
        _require(request, Perm.SCORE_EVALUATION, evaluation)
        assignment = actions.submit_scores(actor=_actor(request), evaluation=evaluation)
        return Response({"submitted_at": assignment.submitted_at})

    @extend_schema(
        summary="Red flags of every candidate, with the evidence that raised them",
        responses=s.RedFlagSerializer(many=True),
    )
    @action(detail=True, methods=["get"], url_path="red-flags", pagination_class=None)
    def red_flags(self, request: Request, pk: str | None = None) -> Response:
        evaluation = self.get_object()
        flags = RedFlag.objects.filter(candidate__evaluation=evaluation).select_related(
            "candidate__vendor", "overridden_by"
        )
        return Response(s.RedFlagSerializer(flags, many=True).data)

    @extend_schema(
        summary="Override a red flag with a recorded reason (managers)",
        request=s.OverrideSerializer,
        responses=s.RedFlagSerializer,
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"red-flags/(?P<flag_pk>[0-9]+)/override",
        url_name="override-red-flag",
    )
    def override_red_flag(
        self, request: Request, pk: str | None = None, flag_pk: str | None = None
    ) -> Response:
        evaluation = self.get_object()
        flag = get_object_or_404(
            RedFlag.objects.select_related("candidate__vendor"),
            pk=flag_pk,
            candidate__evaluation=evaluation,
        )
        _require(request, Perm.MANAGE_EVALUATION, evaluation)
        body = s.OverrideSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        flag = actions.override_red_flag(
            actor=_actor(request), flag=flag, reason=body.validated_data["reason"]
        )
        return Response(s.RedFlagSerializer(flag).data)

    @extend_schema(
        summary="Weighted totals, ranks, the recommendation and the sensitivity verdict "
        "(for evaluators only after they submitted)",
        responses=s.RankingSerializer,
    )
    @action(detail=True, methods=["get"])
    def ranking(self, request: Request, pk: str | None = None) -> Response:
        evaluation = self.get_object()
        _require_results(request, evaluation)
        scores = list(queries.visible_scores(request.user, evaluation).filter(submitted=True))
        result = queries.ranking_for(evaluation, scores=scores)
        return Response(s.RankingSerializer(result).data)

    @extend_schema(
        methods=["GET"], summary="The decision, if recorded", responses=s.DecisionSerializer
    )
    @extend_schema(
        methods=["POST"],
        summary="Record the decision (managers); a candidate with a blocker needs an override",
        request=s.DecisionSerializer,
        responses={status.HTTP_201_CREATED: s.DecisionSerializer},
    )
    @action(detail=True, methods=["get", "post"])
    def decision(self, request: Request, pk: str | None = None) -> Response:
        evaluation = self.get_object()
        if request.method == "POST":
            _require(request, Perm.MANAGE_EVALUATION, evaluation)
            body = s.DecisionSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            data = body.validated_data
            selected = evaluation.candidates.filter(pk=data["selected_id"]).first()
            if selected is None:
                raise NotFound({"selected": "There is no such candidate in this evaluation."})
            decision = actions.record_decision(
                actor=_actor(request),
                evaluation=evaluation,
                selected=selected,
                reason=data["reason"],
                approvers=data.get("approvers", []),
            )
            return Response(s.DecisionSerializer(decision).data, status=status.HTTP_201_CREATED)
        _require_results(request, evaluation)
        existing = getattr(evaluation, "decision", None)
        if existing is None:
            # The evaluation exists (a 404 would say it does not); it is just not decided yet.
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(s.DecisionSerializer(existing).data)

    @extend_schema(
        summary="Start the engagement with the chosen vendor, its promises as the baseline "
        "(managers)",
        request=None,
        responses={status.HTTP_201_CREATED: s.BaselineSerializer},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="decision/engagement",
        url_name="start-engagement",
    )
    def start_engagement(self, request: Request, pk: str | None = None) -> Response:
        evaluation = self.get_object()
        _require(request, Perm.MANAGE_EVALUATION, evaluation)
        _require(request, Perm.ADD_ENGAGEMENT, None)
        decision = getattr(evaluation, "decision", None)
        if decision is None:
            raise ValidationError("Record the decision first.")
        engagement = actions.create_engagement_from_decision(
            actor=_actor(request), decision=decision
        )
        return Response(
            s.BaselineSerializer(engagement.selection_baseline).data,
            status=status.HTTP_201_CREATED,
        )


class CandidacyPermission(permissions.BasePermission):
    """The portal exists only for vendor users (404 for everyone else)."""

    def has_permission(self, request: Any, view: Any) -> bool:
        if not policy.can(request.user, Perm.VIEW_CHECKLIST):
            raise NotFound("No such page.")
        return True


class CandidacyViewSet(viewsets.ReadOnlyModelViewSet):
    """A vendor user's own candidacies and their due-diligence checklists."""

    serializer_class = s.CandidacySerializer
    permission_classes = [IsAuthenticated, CandidacyPermission]

    def get_queryset(self) -> QuerySet[Any]:
        return (
            policy.visible_candidacies(self.request.user)
            .select_related("evaluation")
            .prefetch_related("checklist__answered_by")
            .order_by("-added_at", "pk")
        )

    @extend_schema(
        summary="Answer one checklist item, with optional evidence (the vendor's lead)",
        request={"multipart/form-data": s.AnswerSerializer, "application/json": s.AnswerSerializer},
        responses=s.ChecklistItemSerializer,
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"checklist/(?P<item_pk>[0-9]+)",
        url_name="answer",
        parser_classes=[MultiPartParser, FormParser, JSONParser],
    )
    def answer(
        self, request: Request, pk: str | None = None, item_pk: str | None = None
    ) -> Response:
        candidate = self.get_object()
        item = get_object_or_404(candidate.checklist, pk=item_pk)
        _require(request, Perm.ANSWER_CHECKLIST, candidate)
        body = s.AnswerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = actions.answer_checklist_item(
            actor=_actor(request),
            item=item,
            answer=body.validated_data["answer"],
            evidence=body.validated_data.get("evidence"),
        )
        return Response(s.ChecklistItemSerializer(item).data)
