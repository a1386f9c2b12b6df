"""List pages read a constant number of queries, however many evaluations or candidates."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accord.accounts.models import User
from accord.selection import actions
from accord.selection.models import Evaluation
from accord.selection.tests.conftest import equip, score_all
from accord.vendors import actions as vendor_actions
from conftest import logged_in

pytestmark = pytest.mark.django_db


def queries_of(request: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as captured:
        request()
    return len(captured)


def add_candidates(evaluation: Evaluation, mark: User, first: int, count: int) -> None:
    for n in range(first, first + count):
        vendor = equip(vendor_actions.create_vendor(actor=mark, name=f"Vendor {n}"))
        actions.add_candidate(actor=mark, evaluation=evaluation, vendor=vendor)


def test_the_evaluation_list_does_not_grow_with_evaluations(mark: User, eve: User) -> None:
    # given
    client = logged_in(mark)
    path = reverse("selection:list")
    for n in range(2):
        actions.create_evaluation_from_template(actor=mark, name=f"A{n}", evaluators=[eve])
    client.get(path)
    few = queries_of(lambda: client.get(path))

    # when
    for n in range(4):
        actions.create_evaluation_from_template(actor=mark, name=f"B{n}", evaluators=[eve])

    # then
    assert queries_of(lambda: client.get(path)) == few


@pytest.mark.parametrize("page", ["detail", "ranking"])
def test_evaluation_pages_do_not_grow_with_candidates(
    evaluation: Evaluation, mark: User, page: str
) -> None:
    # given two candidates
    client = logged_in(mark)
    path = reverse(f"selection:{page}", args=[evaluation.slug])
    add_candidates(evaluation, mark, 0, 2)
    client.get(path)
    few = queries_of(lambda: client.get(path))

    # when three more come
    add_candidates(evaluation, mark, 2, 3)

    # then
    assert queries_of(lambda: client.get(path)) == few


def test_the_ranking_does_not_grow_with_scored_candidates(
    evaluation: Evaluation, mark: User, eve: User, ida: User
) -> None:
    # given two candidates scored by one evaluator, three by another
    actions.assign_evaluator(actor=mark, evaluation=evaluation, evaluator=ida)
    add_candidates(evaluation, mark, 0, 2)
    score_all(evaluation, eve, dict.fromkeys(evaluation.candidates.all(), 3))
    client = logged_in(mark)
    path = reverse("selection:ranking", args=[evaluation.slug])
    client.get(path)
    few = queries_of(lambda: client.get(path))

    # when
    add_candidates(evaluation, mark, 2, 3)
    score_all(evaluation, ida, dict.fromkeys(evaluation.candidates.all(), 4))

    # then
    assert queries_of(lambda: client.get(path)) == few
