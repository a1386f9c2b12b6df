"""Aggregating scores, weighted ranking and how robust the winner is to the weights.

Pure functions over plain numbers; candidates and criteria are identified by any hashable
key (the queries pass ids, the tests letters).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

C = TypeVar("C", bound=Hashable)
K = TypeVar("K", bound=Hashable)

# Evaluators disagree strongly when their scores on one criterion span this many points.
DISAGREEMENT_RANGE = 2
# The ranking is "robust" when no criterion's weight can flip the winner by moving less than
# this share (10 percentage points), others rescaled proportionally.
ROBUST_MIN_CHANGE = 0.10
# Totals are compared at this precision, so float noise never decides a tie.
_DIGITS = 9
_EPS = 1e-9


@dataclass(frozen=True)
class Spread:
    n: int
    mean: float
    low: float
    high: float
    stdev: float
    disagreement: bool


def aggregate(values: Sequence[float], *, disagreement_range: float = DISAGREEMENT_RANGE) -> Spread:
    """Mean, min-max and (population) standard deviation of evaluators' scores on one item."""
    if not values:
        raise ValueError("No scores to aggregate.")
    low, high = min(values), max(values)
    return Spread(
        n=len(values),
        mean=round(statistics.fmean(values), 3),
        low=low,
        high=high,
        stdev=round(statistics.pstdev(values), 3),
        disagreement=high - low >= disagreement_range,
    )


def normalized(weights: Mapping[K, float]) -> dict[K, float]:
    """Weights as shares of their sum (which must be positive)."""
    total = math.fsum(weights.values())
    if total <= 0 or any(w < 0 for w in weights.values()):
        raise ValueError("Weights must be non-negative and not all zero.")
    return {k: w / total for k, w in weights.items()}


def weighted_totals(
    scores: Mapping[C, Mapping[K, float]], weights: Mapping[K, float]
) -> dict[C, float]:
    """Each candidate's weighted mean score (on the 1-5 scale) under the given weights."""
    shares = normalized(weights)
    return {
        candidate: round(math.fsum(shares[k] * by_criterion[k] for k in shares), _DIGITS)
        for candidate, by_criterion in scores.items()
    }


@dataclass(frozen=True)
class Ranked(Generic[C]):
    candidate: C
    total: float
    rank: int


def rank(totals: Mapping[C, float], *, order: Sequence[C] | None = None) -> list[Ranked[C]]:
    """Candidates best first; equal totals share a rank (1, 2, 2, 4).

    `order` decides who is listed first among equals (by default, by name)."""
    position = {c: i for i, c in enumerate(order or sorted(totals, key=str))}
    ordered = sorted(totals, key=lambda c: (-totals[c], position.get(c, len(position))))
    result: list[Ranked[C]] = []
    for index, candidate in enumerate(ordered):
        same = result and result[-1].total == totals[candidate]
        result.append(Ranked(candidate, totals[candidate], result[-1].rank if same else index + 1))
    return result


def rescaled(weights: Mapping[K, float], criterion: K, share: float) -> dict[K, float]:
    """Shares with `criterion` set to `share` and the others scaled to keep their proportions."""
    shares = normalized(weights)
    rest = 1 - shares[criterion]
    return {
        k: share if k == criterion else (w * (1 - share) / rest if rest > 0 else 0.0)
        for k, w in shares.items()
    }


@dataclass(frozen=True)
class FlipPoint:
    criterion: Hashable
    share: float  # the criterion's current share of the total weight
    flip_share: float | None  # the share at which another candidate overtakes the winner
    new_winner: Hashable | None

    @property
    def change(self) -> float | None:
        """Signed change of the share (e.g. -0.07 = seven percentage points less)."""
        return None if self.flip_share is None else self.flip_share - self.share

    @property
    def fragile(self) -> bool:
        return self.change is not None and abs(self.change) < ROBUST_MIN_CHANGE


def sensitivity(
    scores: Mapping[C, Mapping[K, float]], weights: Mapping[K, float]
) -> list[FlipPoint]:
    """For each criterion, the smallest change of its weight that lets another candidate
    overtake the current winner, the other weights rescaled proportionally.

    Moving criterion i's share from w to x turns candidate c's total into
    x·s_ci + (1-x)/(1-w)·R_c, with R_c the rest of its current total; the gap to the winner is
    linear in x, so each rival's overtaking point is where that line crosses zero.
    """
    shares = normalized(weights)
    totals = weighted_totals(scores, shares)
    if len(totals) < 2:
        return [FlipPoint(k, shares[k], None, None) for k in shares]
    winner = rank(totals)[0].candidate
    points = []
    for k, w in shares.items():
        if w >= 1:  # nothing left to rescale: no other weighting of this kind exists
            points.append(FlipPoint(k, w, None, None))
            continue
        best: tuple[float, float, Hashable] | None = None
        # The rest of each total, from the unrounded shares (the totals are rounded).
        rest = {
            c: math.fsum(shares[j] * by[j] for j in shares if j != k) for c, by in scores.items()
        }
        for rival, by_criterion in scores.items():
            if rival == winner:
                continue
            a = (rest[rival] - rest[winner]) / (1 - w)
            b = (by_criterion[k] - scores[winner][k]) - a
            if abs(b) < 1e-12:
                continue  # the gap does not depend on this weight
            x = -a / b
            # The rival is strictly ahead for x beyond the crossing, on the side b points to.
            if (b > 0 and x < 1 - _EPS) or (b < 0 and x > _EPS):
                x = min(max(x, 0.0), 1.0)
                distance = abs(x - w)
                if best is None or distance < best[0]:
                    best = (distance, x, rival)
        if best is None:
            points.append(FlipPoint(k, w, None, None))
        else:
            points.append(FlipPoint(k, w, round(best[1], 6), best[2]))
    return points


def verdict(points: Sequence[FlipPoint]) -> str:
    """ "fragile" when some weight flips the winner within ROBUST_MIN_CHANGE, else "robust"."""
    return "fragile" if any(p.fragile for p in points) else "robust"
