"""Fixtures of the metrics tests."""

from __future__ import annotations

import datetime as dt

import pytest

from accord.metrics.tests.builders import Delivery, month_start


@pytest.fixture
def recent_work(vistula_engagement):
    """Items done last month and two months ago, so a monthly KPI has recent measurements."""
    data = Delivery(vistula_engagement, name="Recent")
    for months_back, count in ((1, 3), (2, 1)):
        start = month_start(months_back)
        for n in range(count):
            data.item(
                f"R-{months_back}-{n}",
                created=start + dt.timedelta(days=1),
                moves=[
                    (start + dt.timedelta(days=2), "In Progress"),
                    (start + dt.timedelta(days=3 + n), "Done"),
                ],
            )
    return data.finish()
