"""Editing criteria: wording and anchors, adding and removing groups and sub-criteria."""

from __future__ import annotations

import html
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accord.accounts.models import User
from accord.audit.models import AuditEvent
from accord.selection import actions, queries
from accord.selection.actions.criteria import _rescaled
from accord.selection.models import Candidate, Criterion, Evaluation
from accord.selection.tests.conftest import score_all
from conftest import logged_in

pytestmark = pytest.mark.django_db


def subs_of(evaluation: Evaluation, group: int = 0) -> list[Criterion]:
    return queries.groups_of(evaluation)[group].subs


def test_a_manager_edits_the_wording_and_anchors_on_the_page(
    evaluation: Evaluation, mark: User
) -> None:
    # given
    sub = subs_of(evaluation)[0]
    path = reverse("selection:criterion_edit", args=[evaluation.slug, sub.pk])

    # when
    form = logged_in(mark).get(path)
    response = logged_in(mark).post(
        path,
        {
            "name": "Banking experience",
            "description": "Retail banking apps in the EU.",
            "anchor_1": "Never built one",
            "anchor_3": "One app",
            "anchor_5": "Several, in production",
        },
    )

    # then
    assert form.status_code == 200 and "A 5 looks like" in form.content.decode()
    assert response.status_code == 302
    sub.refresh_from_db()
    assert (sub.name, sub.anchor_5) == ("Banking experience", "Several, in production")
    assert AuditEvent.objects.filter(object_id=str(sub.pk), action="update").exists()
    page = logged_in(mark).get(reverse("selection:criteria", args=[evaluation.slug]))
    assert "Retail banking apps in the EU." in page.content.decode()


def test_a_group_has_no_anchors_and_a_blank_name_is_refused(
    evaluation: Evaluation, mark: User
) -> None:
    # given
    group = queries.groups_of(evaluation)[0].criterion
    path = reverse("selection:criterion_edit", args=[evaluation.slug, group.pk])

    # when
    form = logged_in(mark).get(path).content.decode()
    response = logged_in(mark).post(path, {"name": " ", "description": "x"})

    # then
    assert "A 5 looks like" not in form
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    group.refresh_from_db()
    assert group.description != "x"


def test_a_new_sub_criterion_starts_at_zero_so_the_weights_still_add_up(
    evaluation: Evaluation, mark: User
) -> None:
    # given
    group = queries.groups_of(evaluation)[4]

    # when
    response = logged_in(mark).post(
        reverse("selection:criterion_add", args=[evaluation.slug]),
        {"parent": group.pk, "name": "Payment terms", "anchor_5": "Monthly in arrears"},
        follow=True,
    )

    # then
    assert "“Payment terms” was added at 0 %; give it a weight below." in response.content.decode()
    added = subs_of(evaluation, 4)[-1]
    assert (added.name, added.weight, added.anchor_5) == (
        "Payment terms",
        Decimal(0),
        "Monthly in arrears",
    )
    assert sum(s.weight for s in subs_of(evaluation, 4)) == 100


def test_a_new_group_comes_with_a_first_sub_criterion_at_full_weight(
    evaluation: Evaluation, mark: User
) -> None:
    # when
    group = actions.add_criterion(
        actor=mark, evaluation=evaluation, parent=None, name="Sustainability"
    )

    # then
    groups = queries.groups_of(evaluation)
    assert groups[-1].criterion == group and group.weight == 0
    assert [(s.name, s.weight) for s in groups[-1].subs] == [("Sustainability", Decimal(100))]
    assert sum(g.weight for g in groups) == 100


def test_criteria_are_not_added_once_an_evaluator_submitted(
    evaluation: Evaluation, vistula_candidate: Candidate, mark: User, eve: User
) -> None:
    # given
    score_all(evaluation, eve, {vistula_candidate: 4})
    group = queries.groups_of(evaluation)[0].criterion

    # when
    with pytest.raises(ValidationError) as caught:
        actions.add_criterion(actor=mark, evaluation=evaluation, parent=group, name="Late")

    # then
    assert caught.value.messages == [
        "1 evaluator(s) have submitted their scores, so a new criterion would leave it "
        "unscored by them; add criteria before anyone submits."
    ]
    assert not evaluation.criteria.filter(name="Late").exists()


def test_removing_a_sub_criterion_rescales_its_siblings_to_100(
    evaluation: Evaluation, mark: User
) -> None:
    # given culture & communication: cultural fit 30, overlap 40, responsiveness 30
    fit, overlap, responsiveness = subs_of(evaluation, 3)

    # when cultural fit is removed
    response = logged_in(mark).post(
        reverse("selection:criterion_delete", args=[evaluation.slug, fit.pk]), follow=True
    )

    # then the other two keep their proportion (4:3) and add up to 100
    assert "was removed; the rest of its level was rescaled." in response.content.decode()
    assert [(s.pk, s.weight) for s in subs_of(evaluation, 3)] == [
        (overlap.pk, Decimal("57.14")),
        (responsiveness.pk, Decimal("42.86")),
    ]


def test_rescaling_keeps_the_level_at_exactly_100() -> None:
    assert _rescaled({1: Decimal(1), 2: Decimal(1), 3: Decimal(1)}) == {
        1: Decimal("33.34"),
        2: Decimal("33.33"),
        3: Decimal("33.33"),
    }
    assert _rescaled({1: Decimal(0), 2: Decimal(0)}) == {1: Decimal(50), 2: Decimal(50)}
    assert _rescaled({1: Decimal(30), 2: Decimal(10)}) == {1: Decimal(75), 2: Decimal(25)}


def test_a_scored_criterion_cannot_be_removed(
    evaluation: Evaluation, vistula_candidate: Candidate, mark: User, eve: User
) -> None:
    # given eve scored the first sub-criterion (not yet submitted)
    sub = subs_of(evaluation)[0]
    actions.record_score(
        actor=eve, candidate=vistula_candidate, criterion=sub, value=3, rationale="Fair"
    )

    # when
    response = logged_in(mark).post(
        reverse("selection:criterion_delete", args=[evaluation.slug, sub.pk]), follow=True
    )

    # then
    assert (
        f"“{sub.name}” has 1 score(s), so it can no longer be removed; set its weight to 0 % "
        "instead." in html.unescape(response.content.decode())
    )
    assert Criterion.objects.filter(pk=sub.pk).exists()


def test_the_last_sub_criterion_of_a_group_stays(evaluation: Evaluation, mark: User) -> None:
    # given a group with one sub-criterion left
    group = actions.add_criterion(actor=mark, evaluation=evaluation, parent=None, name="Solo")
    only = group.children.get()

    # when / then
    with pytest.raises(ValidationError, match="is the last sub-criterion of its group"):
        actions.remove_criterion(actor=mark, criterion=only)
    # but the whole group may go, and the other groups are rescaled
    actions.remove_criterion(actor=mark, criterion=group)
    assert not Criterion.objects.filter(pk__in=[group.pk, only.pk]).exists()
    assert sum(g.weight for g in queries.groups_of(evaluation)) == 100


def test_a_decided_evaluation_keeps_its_criteria(
    evaluation: Evaluation, vistula_candidate: Candidate, mark: User, eve: User
) -> None:
    # given
    score_all(evaluation, eve, {vistula_candidate: 4})
    actions.record_decision(
        actor=mark, evaluation=evaluation, selected=vistula_candidate, reason="Best"
    )
    sub = subs_of(evaluation)[0]

    # when / then
    for attempt in (
        lambda: actions.update_criterion(actor=mark, criterion=sub, name="Other"),
        lambda: actions.set_weights(actor=mark, evaluation=evaluation, weights={}),
    ):
        with pytest.raises(ValidationError, match="decided; its criteria no longer change"):
            attempt()
    page = logged_in(mark).get(reverse("selection:criteria", args=[evaluation.slug]))
    assert "Add a criterion" not in page.content.decode()


def test_only_managers_see_the_editing_controls(
    evaluation: Evaluation, mark: User, victor: User
) -> None:
    path = reverse("selection:criteria", args=[evaluation.slug])
    assert "Add a criterion" in logged_in(mark).get(path).content.decode()
    viewer_page = logged_in(victor).get(path).content.decode()
    assert "Add a criterion" not in viewer_page and "Remove group" not in viewer_page
