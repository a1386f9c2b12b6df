"""Who sees which evaluation and checklist."""

from __future__ import annotations

import pytest

from accord.accounts import policy
from accord.accounts.policy import Perm
from accord.selection import actions

pytestmark = pytest.mark.django_db


def test_evaluators_see_only_evaluations_they_are_assigned_to(evaluation, eve, mark):
    # given a second evaluation eve is not assigned to
    other = actions.create_evaluation_from_template(actor=mark, name="Data platform partner")

    # then eve sees only hers; the manager sees both
    assert list(policy.visible_evaluations(eve)) == [evaluation]
    assert set(policy.visible_evaluations(mark)) == {evaluation, other}


def test_viewers_read_every_evaluation_but_neither_manage_nor_score(evaluation, victor):
    assert list(policy.visible_evaluations(victor)) == [evaluation]
    assert not policy.can(victor, Perm.MANAGE_EVALUATION, evaluation)
    assert not policy.can(victor, Perm.SCORE_EVALUATION, evaluation)


def test_only_assigned_users_may_score(evaluation, eve, mark):
    assert policy.can(eve, Perm.SCORE_EVALUATION, evaluation)
    assert not policy.can(mark, Perm.SCORE_EVALUATION, evaluation)
    actions.assign_evaluator(actor=mark, evaluation=evaluation, evaluator=mark)
    assert policy.can(mark, Perm.SCORE_EVALUATION, evaluation)


def test_vendor_users_see_no_evaluation_and_only_their_own_candidacy(
    vistula_candidate, deccan_candidate, lena, milo, dev
):
    # then
    assert not policy.visible_evaluations(lena).exists()
    assert list(policy.visible_candidacies(lena)) == [vistula_candidate]
    assert list(policy.visible_candidacies(milo)) == [vistula_candidate]
    assert list(policy.visible_candidacies(dev)) == [deccan_candidate]
    assert policy.can(lena, Perm.ANSWER_CHECKLIST, vistula_candidate)
    assert not policy.can(lena, Perm.ANSWER_CHECKLIST, deccan_candidate)
    assert not policy.can(milo, Perm.ANSWER_CHECKLIST, vistula_candidate)


def test_client_users_have_no_vendor_portal(evaluation, mark, alice):
    assert not policy.visible_candidacies(mark).exists()
    assert not policy.visible_candidacies(alice).exists()
