"""Strategic KPIs on hand-built data: time to market and acceleration, successful iterations,
CSAT, NPS, manual values and availability; answers worked out in the comments."""

from __future__ import annotations

import pytest

from accord.metrics.catalog import CATALOG, Period, compute, compute_many
from accord.metrics.models import ManualValue, SurveyResponse
from accord.metrics.tests.builders import Delivery, at

pytestmark = pytest.mark.django_db
MARCH = Period(at(1), at(1, month=4))
APRIL = Period(at(1, month=4), at(1, month=5))
FEBRUARY = Period(at(1, month=2), at(1))


def value(engagement, key, period=MARCH, **kw):
    return compute(engagement, key, period, **kw).value


@pytest.fixture
def epics(vistula_engagement):
    d = Delivery(vistula_engagement)
    # E-1 released 20 Mar; the epic itself started 5 Mar, C-2 (child by parent key) on 2 Mar,
    # C-1 (by epic key) on 3 Mar → first work 2 Mar → 18 days
    d.item("E-1", created=at(1), moves=[(at(5), "In Progress"), (at(20), "Done")], item_type="Epic")
    d.item("C-1", created=at(1), moves=[(at(3), "In Progress")], epic="E-1")
    d.item("C-2", created=at(1), moves=[(at(2), "In Progress"), (at(4), "Done")], parent="E-1")
    # E-2 released 25 Mar with no work ever started: excluded
    d.item("E-2", created=at(1), moves=[(at(25), "Done")], item_type="Epic")
    # E-3 released 20 Feb after starting 10 Feb: 10 days, the baseline
    d.item(
        "E-3",
        created=at(1, month=2),
        moves=[(at(10, month=2), "In Progress"), (at(20, month=2), "Done")],
        item_type="epic",
    )
    return d.finish()


def test_time_to_market_runs_from_the_first_work_started_in_a_feature_to_its_release(epics):
    result = compute(epics.engagement, "time_to_market_p50_days", MARCH)
    assert result.value == pytest.approx(18)
    assert [(e.label.split()[0], e.reason) for e in result.excluded] == [
        ("E-2", "no work in it ever started")
    ]


def test_acceleration_compares_with_the_preceding_period_by_default(epics):
    # baseline: the 31 days before March hold E-3 (10 days) → (10 - 18) / 10 = -0.8 (slower)
    assert value(epics.engagement, "time_to_market_acceleration") == pytest.approx(-0.8)


def test_acceleration_compares_with_a_baseline_given(epics):
    # against March itself, April has no release: no data
    assert value(epics.engagement, "time_to_market_acceleration", APRIL, baseline=MARCH) is None
    # February against March: (18 - 10) / 18 faster
    assert value(
        epics.engagement, "time_to_market_acceleration", FEBRUARY, baseline=MARCH
    ) == pytest.approx(8 / 18)


def test_successful_iterations_count_good_sprints_and_clean_releases(vistula_engagement):
    d = Delivery(vistula_engagement)

    def done(key, when):
        return d.item(key, created=at(1), moves=[(at(1, 1), "In Progress"), (when, "Done")])

    # S1: 4 of 5 planned done → 80 %, successful; S2: 1 of 2 → 50 %, not
    d.sprint(
        "S1",
        start=at(2),
        complete=at(13),
        members=[(done(f"A-{n}", at(10)), {}) for n in range(4)]
        + [(d.item("A-9", created=at(1)), {})],
    )
    d.sprint(
        "S2",
        start=at(16),
        complete=at(27),
        members=[(done("B-1", at(20)), {}), (d.item("B-2", created=at(1)), {})],
    )
    # two production releases, the second followed by an incident → one clean
    d.deployment(at(5))
    d.deployment(at(20))
    d.incident(at(21), at(22))
    d.finish()
    result = compute(vistula_engagement, "successful_iterations", MARCH)
    assert result.value == 2
    assert sorted(e.reason for e in result.excluded) == [
        "incident attributed to it",
        "say/do below 80%",
    ]


@pytest.fixture
def customers(vistula_engagement, mark):
    def answer(kind, score, day, who):
        SurveyResponse.objects.create(
            engagement=vistula_engagement,
            kind=kind,
            score=score,
            responded_at=at(day),
            respondent=who,
        )

    for n, score in enumerate([5, 4, 3, 2, 5]):
        answer("csat", score, n + 2, f"c{n}")
    for n, score in enumerate([10, 9, 8, 6, 0, 10]):
        answer("nps", score, n + 2, f"n{n}")
    answer("csat", 1, 1, "february")  # 1 March 00:00 is March's; this one is March's too

    def entered(key, start, end, value_):
        ManualValue.objects.create(
            engagement=vistula_engagement,
            metric_key=key,
            period_start=start,
            period_end=end,
            value=value_,
            recorded_by=mark,
        )

    entered("retention", at(1), at(1, month=4), 0.95)
    entered("capacity_headroom", at(1), at(16), 0.4)
    entered("capacity_headroom", at(16), at(1, month=4), 0.2)
    entered("csat", at(1, month=4), at(1, month=5), 0.7)
    entered("availability", at(1, month=4), at(1, month=5), 0.999)
    return vistula_engagement


def test_csat_is_the_share_of_four_and_five_answers(customers):
    # 5, 4, 3, 2, 5 and 1 → 3 of 6
    result = compute(customers, "csat", MARCH)
    assert result.value == pytest.approx(0.5)
    assert result.evidence_count == 6
    assert {e.kind for e in result.counted} == {"survey_response"}


def test_nps_is_promoters_minus_detractors_in_points(customers):
    # promoters 10, 9, 10; detractors 6, 0 → (3 - 2) / 6 x 100
    assert value(customers, "nps") == pytest.approx(100 / 6)


def test_values_entered_by_hand_fill_in_where_nothing_is_imported(customers):
    assert value(customers, "retention") == pytest.approx(0.95)
    # 15 days at 0.4 and 16 days at 0.2, weighted by duration → (6 + 3.2) / 31
    assert value(customers, "capacity_headroom") == pytest.approx(9.2 / 31)
    result = compute(customers, "csat", APRIL)
    assert result.value == pytest.approx(0.7)
    assert [e.kind for e in result.counted] == ["manual_value"]
    assert value(customers, "availability", APRIL) == pytest.approx(0.999)


def test_availability_subtracts_the_union_of_incident_spans(vistula_engagement):
    d = Delivery(vistula_engagement, kind="github", name="GitHub")
    d.incident(at(2), at(2, 5))  # 5 h
    d.incident(at(2, 3), at(2, 6))  # overlaps: 1 h more
    d.incident(at(31, 20), at(1, 2, month=4))  # 4 h in March, 2 h in April
    d.finish()
    # 10 h down of 744 h
    assert value(vistula_engagement, "availability") == pytest.approx(1 - 10 / 744)
    assert value(vistula_engagement, "availability", Period(at(1, month=5), at(2, month=5))) == 1
    d.incident(at(20, month=5))  # still open: down until the period's end
    may = Period(at(1, month=5), at(1, month=6))
    assert value(vistula_engagement, "availability", may) == pytest.approx(1 - 12 * 24 / 744)


def test_no_data_anywhere_gives_no_value_for_every_metric(vistula_engagement):
    results = compute_many(vistula_engagement, list(CATALOG), [MARCH])
    assert {k: r.value for (k, _), r in results.items()} == dict.fromkeys(CATALOG)
