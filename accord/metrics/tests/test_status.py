"""The status rule of a KPI value against its target and warning threshold, both directions."""

from __future__ import annotations

import pytest

from accord.metrics.models import Better, Status, status_for


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, Status.NO_DATA),
        (0.95, Status.ON_TRACK),  # beyond the target
        (0.90, Status.ON_TRACK),  # exactly the target
        (0.85, Status.AT_RISK),  # between target and threshold
        (0.80, Status.AT_RISK),  # exactly the threshold
        (0.79, Status.OFF_TRACK),  # beyond the threshold
        (0.0, Status.OFF_TRACK),  # zero is a value, not "no data"
    ],
)
def test_higher_is_better(value: float | None, expected: str) -> None:
    assert status_for(value, target=0.9, threshold=0.8, better=Better.HIGHER) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, Status.NO_DATA),
        (0.0, Status.ON_TRACK),  # zero hours is as good as it gets
        (48.0, Status.ON_TRACK),  # exactly the target
        (60.0, Status.AT_RISK),  # between target and threshold
        (72.0, Status.AT_RISK),  # exactly the threshold
        (72.5, Status.OFF_TRACK),  # beyond the threshold
    ],
)
def test_lower_is_better(value: float | None, expected: str) -> None:
    assert status_for(value, target=48.0, threshold=72.0, better=Better.LOWER) == expected


def test_a_threshold_equal_to_the_target_leaves_no_room_for_at_risk() -> None:
    assert status_for(5.0, target=5.0, threshold=5.0, better=Better.HIGHER) == Status.ON_TRACK
    assert status_for(4.9, target=5.0, threshold=5.0, better=Better.HIGHER) == Status.OFF_TRACK
