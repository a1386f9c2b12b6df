"""Aggregation, weighted ranking and sensitivity, with hand cases and Hypothesis properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.selection.ranking import (
    aggregate,
    rank,
    rescaled,
    sensitivity,
    verdict,
    weighted_totals,
)


def test_aggregate_gives_mean_spread_and_disagreement():
    # when three evaluators give 2, 4 and 5
    spread = aggregate([2, 4, 5])

    # then
    assert spread.mean == pytest.approx(3.667, abs=1e-3)
    assert (spread.low, spread.high) == (2, 5)
    assert spread.stdev == pytest.approx(1.247, abs=1e-3)
    assert spread.disagreement


def test_scores_one_point_apart_are_not_a_disagreement():
    assert not aggregate([3, 4, 4]).disagreement
    assert aggregate([4]).stdev == 0


def test_weighted_totals_and_shared_ranks():
    # given three candidates on two criteria weighted 3:1
    scores = {"a": {"x": 4, "y": 4}, "b": {"x": 5, "y": 1}, "c": {"x": 3, "y": 2}}

    # when
    totals = weighted_totals(scores, {"x": 3, "y": 1})
    ranked = rank(totals)

    # then a and b tie at 4.0 and share rank 1; c is third
    assert totals == {"a": 4.0, "b": 4.0, "c": 2.75}
    assert [(r.candidate, r.rank) for r in ranked] == [("a", 1), ("b", 1), ("c", 3)]


def test_rescaling_keeps_the_other_weights_in_proportion():
    shares = rescaled({"x": 50, "y": 30, "z": 20}, "x", 0.2)
    assert shares == pytest.approx({"x": 0.2, "y": 0.48, "z": 0.32})


SCORES = {"A": {"x": 5, "y": 1}, "B": {"x": 3, "y": 4}}


def test_sensitivity_finds_the_hand_computed_flip_points():
    # given A wins 4.2 to 3.2 with weights 80/20
    # when
    points = {p.criterion: p for p in sensitivity(SCORES, {"x": 80, "y": 20})}

    # then x must fall to 60 % (A: 1+4s = B: 4-s at s=0.6), or y rise to 40 %
    assert points["x"].flip_share == pytest.approx(0.6)
    assert points["x"].change == pytest.approx(-0.2)
    assert points["y"].flip_share == pytest.approx(0.4)
    assert points["x"].new_winner == "B"
    assert verdict(list(points.values())) == "robust"


def test_a_flip_within_ten_points_is_fragile():
    # given A wins 3.6 to 3.35 with weights 65/35: x falling to 60 % flips it
    points = sensitivity(SCORES, {"x": 65, "y": 35})

    # then
    assert min(abs(p.change) for p in points if p.change is not None) == pytest.approx(0.05)
    assert verdict(points) == "fragile"


def test_a_criterion_that_cannot_change_the_winner_has_no_flip_point():
    # given B is better or equal on every criterion
    points = sensitivity({"A": {"x": 2, "y": 2}, "B": {"x": 4, "y": 2}}, {"x": 50, "y": 50})

    # then no weighting lets A overtake B... except removing x entirely ties them (never ahead)
    assert all(p.flip_share is None for p in points)
    assert verdict(points) == "robust"


# --- Properties -----------------------------------------------------------------------------

score = st.integers(min_value=1, max_value=5)


@st.composite
def contests(draw, max_candidates=4, max_criteria=4, min_weight=0):
    n_c = draw(st.integers(2, max_candidates))
    n_k = draw(st.integers(2, max_criteria))
    criteria = [f"k{i}" for i in range(n_k)]
    scores = {f"c{j}": {k: draw(score) for k in criteria} for j in range(n_c)}
    weights = {k: draw(st.integers(min_weight, 10)) for k in criteria}
    if sum(weights.values()) == 0:
        weights[criteria[0]] = 1
    return scores, weights


def ranks(scores, weights):
    return {r.candidate: r.rank for r in rank(weighted_totals(scores, weights))}


@given(contests(), st.sampled_from([0.5, 2, 3.7, 100]))
def test_scaling_all_weights_by_a_constant_changes_nothing(contest, factor):
    scores, weights = contest
    scaled = {k: w * factor for k, w in weights.items()}
    assert ranks(scores, scaled) == ranks(scores, weights)


@given(contests(), st.data())
def test_raising_one_candidates_score_never_lowers_its_rank(contest, data):
    # given a contest and one candidate's score on one criterion raised
    scores, weights = contest
    who = data.draw(st.sampled_from(sorted(scores)))
    what = data.draw(st.sampled_from(sorted(weights)))
    raised = {c: dict(s) for c, s in scores.items()}
    raised[who][what] = min(5, raised[who][what] + data.draw(st.integers(1, 4)))

    # then its rank number is the same or better
    assert ranks(raised, weights)[who] <= ranks(scores, weights)[who]


@given(contests(), st.data())
def test_a_criterion_with_weight_zero_never_changes_the_ranking(contest, data):
    # given one criterion at weight 0 (another keeps a positive weight)
    scores, weights = contest
    zero = data.draw(st.sampled_from(sorted(weights)))
    weights = {**weights, zero: 0}
    if sum(weights.values()) == 0:
        other = next(k for k in weights if k != zero)
        weights[other] = 1

    # when its scores are replaced by anything
    changed = {c: {**s, zero: data.draw(score)} for c, s in scores.items()}

    # then the ranking is unchanged
    assert ranks(changed, weights) == ranks(scores, weights)


STEPS = 2000


def brute_force_flip(scores, weights, criterion):
    """Scan the criterion's share on a fine grid; the nearest share where a rival leads."""
    base = weighted_totals(scores, weights)
    winner = rank(base)[0].candidate
    current = weights[criterion] / sum(weights.values())
    best = None
    for i in range(STEPS + 1):
        x = i / STEPS
        totals = weighted_totals(scores, rescaled(weights, criterion, x))
        if any(totals[c] > totals[winner] + 1e-9 for c in totals if c != winner):
            distance = abs(x - current)
            best = distance if best is None else min(best, distance)
    return best


@settings(max_examples=40, deadline=None)
@given(contests(max_candidates=3, max_criteria=3, min_weight=1))
def test_sensitivity_finds_the_same_flip_point_as_brute_force(contest):
    scores, weights = contest
    for point in sensitivity(scores, weights):
        expected = brute_force_flip(scores, weights, point.criterion)
        if point.change is None:
            assert expected is None
        else:
            assert expected is not None
            assert abs(expected - abs(point.change)) <= 1 / STEPS + 1e-9
