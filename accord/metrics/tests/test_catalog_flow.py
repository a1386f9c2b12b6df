"""Flow metrics on a hand-built data set whose answers are worked out in the comments."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from accord.delivery.actions.sources import update_data_source
from accord.metrics.catalog import CATALOG, Period, compute, compute_many
from accord.metrics.tests.builders import Delivery, at

pytestmark = pytest.mark.django_db
MARCH = Period(at(1), at(1, month=4))
JANUARY = Period(at(1, month=1), at(1, month=2))
FLOW = [k for k, m in CATALOG.items() if m.group == "flow"]


@pytest.fixture
def people(vistula_engagement, client_org, vistula):
    return {"client": client_org, "vendor": vistula.organization}


@pytest.fixture
def data(vistula_engagement, people):
    d = Delivery(vistula_engagement)
    # Kasia worked for Vistula until 3 March and for the client from 4 March.
    kasia = d.person("Kasia", people["vendor"], until=dt.date(2026, 3, 3))
    d.affiliate(kasia, people["client"], since=dt.date(2026, 3, 4))
    piotr = d.person("Piotr", people["vendor"])
    # started 2 Mar, done 4 Mar → cycle 48 h, lead 72 h (done by Kasia, then the client).
    d.item("A-1", created=at(1), moves=[(at(2), "In Progress"), (at(4), "Done")], assignee=kasia)
    # started 3 Mar, blocked 4→5 Mar, done 7 Mar → cycle 96 h (72 active, 24 blocked),
    # lead 144 h.
    d.item(
        "A-2",
        created=at(1),
        moves=[(at(3), "In Progress"), (at(4), "Blocked"), (at(5), "In Progress"), (at(7), "Done")],
        assignee=piotr,
    )
    # A-3, reopened: in progress 2 Mar, done 3 Mar, back to do 5 Mar, in progress 6 Mar, done
    # 10 Mar → started 2 Mar (the first time), done 10 Mar → cycle 192 h, lead 216 h; within
    # the cycle: In Progress 24 + 96 = 120 h, Done 48 h, To Do 24 h.
    d.item(
        "A-3",
        created=at(1),
        moves=[
            (at(2), "In Progress"),
            (at(3), "Done"),
            (at(5), "To Do"),
            (at(6), "In Progress"),
            (at(10), "Done"),
        ],
        assignee=piotr,
    )
    # done 5 Mar without ever being in progress → throughput yes, cycle time no, lead 96 h.
    d.item("A-4", created=at(1), moves=[(at(5), "Done")], item_type="Bug")
    # started 2 Mar, cancelled 6 Mar.
    d.item("A-5", created=at(1), moves=[(at(2), "In Progress"), (at(6), "Cancelled")])
    # A-6 crosses the border: started 25 Feb, done 2 Apr → in progress at March's end, 35 days
    # (840 h) old then.
    d.item(
        "A-6",
        created=at(20, month=2),
        moves=[(at(25, month=2), "In Progress"), (at(2, month=4), "Done")],
    )
    # done in February, not March.
    d.item(
        "A-7",
        created=at(1, month=2),
        moves=[(at(2, month=2), "In Progress"), (at(10, month=2), "Done")],
    )
    # in progress since 30 Mar → 48 h old at March's end.
    d.item("A-8", created=at(20), moves=[(at(30), "In Progress")])
    return d.finish()


def value(data, key, period=MARCH, **kw):
    return compute(data.engagement, key, period, **kw).value


def test_throughput_counts_items_done_in_the_period_and_lists_the_cancelled_one(data):
    # given the data set: reach done in March
    # when
    result = compute(data.engagement, "throughput", MARCH)
    # then
    assert result.value == 4
    assert sorted(e.label.split()[0] for e in result.counted) == ["A-1", "A-2", "A-3", "A-4"]
    assert [(e.label.split()[0], e.reason) for e in result.excluded] == [("A-5", "cancelled")]
    assert result.evidence_count == len(result.counted) == 4
    assert result.counted[0].url.startswith("http://127.0.0.1/browse/")


def test_cycle_time_percentiles_interpolate_linearly_and_exclude_items_never_started(data):
    # cycle times 48, 96, 192 h: p50 = 96; p85 at rank 0.85 x 2 = 1.7 → 96 + 0.7 x 96 = 163.2
    p50 = compute(data.engagement, "cycle_time_p50_hours", MARCH)
    assert p50.value == pytest.approx(96)
    assert p50.value is not None
    assert value(data, "cycle_time_p85_hours") == pytest.approx(163.2)
    assert [(e.label.split()[0], e.reason) for e in p50.excluded] == [
        ("A-4", "done without ever being in progress"),
        ("A-5", "cancelled"),
    ]
    assert sorted(e.value or 0 for e in p50.counted) == pytest.approx([48, 96, 192])


def test_lead_time_is_the_median_from_creation(data):
    # lead times 72, 96, 144, 216 h → (96 + 144) / 2 = 120
    assert value(data, "lead_time_p50_hours") == pytest.approx(120)


def test_wip_counts_items_in_progress_at_the_period_end(data):
    # A-6 (done after the end) and A-8 (still in progress); A-5 is cancelled now
    result = compute(data.engagement, "wip", MARCH)
    assert result.value == 2
    assert sorted(e.label.split()[0] for e in result.counted) == ["A-6", "A-8"]
    assert [e.label.split()[0] for e in result.excluded] == ["A-5"]


def test_aging_wip_counts_items_older_than_the_p85_cycle_time(data):
    # A-6 is 840 h old > 163.2 h; A-8 is 48 h old
    result = compute(data.engagement, "aging_wip", MARCH)
    assert result.value == 1
    assert [e.label.split()[0] for e in result.counted] == ["A-6"]
    assert result.counted[0].value == pytest.approx(840)


def test_time_in_status_sums_each_status_within_the_cycle(data):
    # In Progress 48 + 72 + 120 = 240, Blocked 24, Done 48 (A-3 before reopening), To Do 24
    result = compute(data.engagement, "time_in_status", MARCH)
    assert result.inputs["per_status_hours"] == {
        "In Progress": 240.0,
        "Done": 48.0,
        "Blocked": 24.0,
        "To Do": 24.0,
    }
    assert result.value == pytest.approx(336)  # = the sum of the cycle times


def test_flow_efficiency_treats_blocked_and_out_of_progress_time_as_waiting(data):
    # active 240 h of 336 h cycle time
    result = compute(data.engagement, "flow_efficiency", MARCH)
    assert result.value == pytest.approx(240 / 336)
    assert result.inputs["waiting_statuses"] == ["Blocked", "Done", "To Do"]
    # per item: A-1 48/48, A-2 72/96, A-3 120/192
    assert sorted(e.value or 0 for e in result.counted) == pytest.approx([120 / 192, 0.75, 1])
    # a bulk recompute reads the derived active time only
    bulk = compute_many(data.engagement, ["flow_efficiency"], [MARCH])[("flow_efficiency", MARCH)]
    assert bulk.value == pytest.approx(240 / 336) and "waiting_statuses" not in bulk.inputs


def test_flow_efficiency_follows_the_statuses_a_data_source_marks_active(data, mark):
    # given Blocked marked active too (which re-derives the items' active time): 264 of 336
    update_data_source(
        actor=mark, data_source=data.source, active_statuses=["In Progress", "Blocked"]
    )
    result = compute(data.engagement, "flow_efficiency", MARCH)
    assert result.value == pytest.approx(264 / 336)
    assert result.inputs["waiting_statuses"] == ["Done", "To Do"]


@pytest.mark.parametrize(
    ("affiliation", "throughput", "cycle_p50"),
    [
        # by Piotr (Vistula): cycle (96 + 192) / 2
        ("vendor", 2, 144),
        # A-1 by Kasia, done on 4 March when she already worked for the client
        ("client", 1, 48),
    ],
)
def test_flow_splits_by_the_affiliation_of_the_assignee_when_the_work_was_done(
    data, people, affiliation, throughput, cycle_p50
):
    wanted = "client" if affiliation == "client" else f"vendor:{people['vendor'].pk}"
    assert value(data, "throughput", affiliation=wanted) == throughput
    assert value(data, "cycle_time_p50_hours", affiliation=wanted) == pytest.approx(cycle_p50)


def test_a_period_without_data_has_no_value_never_zero(data):
    results = compute_many(data.engagement, FLOW, [JANUARY])
    assert {k: results[(k, JANUARY)].value for k in FLOW} == dict.fromkeys(FLOW)


def test_compute_many_returns_counts_without_building_evidence(data):
    results = compute_many(data.engagement, ["throughput"], [MARCH, JANUARY])
    march = results[("throughput", MARCH)]
    assert (march.value, march.evidence_count, march.counted) == (4, 4, [])


def test_many_periods_at_once_give_each_period_its_own_values_and_evidence(data):
    # given: months on both sides of March, so items cross borders, wait in progress across
    # several period ends, and are done or cancelled in different months
    months = [Period(at(1, month=m), at(1, month=m + 1)) for m in (1, 2, 3, 4)]
    keys = [*FLOW, "bug_share"]
    # when
    together = compute_many(data.engagement, keys, months, evidence=True)
    # then: each (metric, period) equals computing that period alone
    for key in keys:
        for month in months:
            alone = compute(data.engagement, key, month)
            assert together[(key, month)] == alone, (key, month)


def test_a_period_in_local_days_across_the_dst_change_counts_by_local_midnight(
    vistula_engagement,
):
    # Europe/Berlin goes from +01:00 to +02:00 on Sunday 29 March 2026: that local day lasts 23 h,
    # from 28 Mar 23:00 UTC to 29 Mar 22:00 UTC.
    berlin = ZoneInfo("Europe/Berlin")
    day = Period(dt.datetime(2026, 3, 29, tzinfo=berlin), dt.datetime(2026, 3, 30, tzinfo=berlin))
    d = Delivery(vistula_engagement)
    # done 29 Mar 23:30 local (21:30 UTC): inside; cycle 12 h of calendar time
    d.item("D-1", created=at(28), moves=[(at(29, 9.5), "In Progress"), (at(29, 21.5), "Done")])
    # done 30 Mar 00:30 local (29 Mar 22:30 UTC): the next local day
    d.item("D-2", created=at(28), moves=[(at(29, 10), "In Progress"), (at(29, 22.5), "Done")])
    # done 29 Mar 00:30 local (28 Mar 23:30 UTC): inside, though 28 March in UTC
    d.item("D-3", created=at(27), moves=[(at(28, 11.5), "In Progress"), (at(28, 23.5), "Done")])
    d.finish()
    result = compute(vistula_engagement, "throughput", day)
    assert result.value == 2
    assert sorted(e.label.split()[0] for e in result.counted) == ["D-1", "D-3"]
    assert day.days == 1.0  # a 23-hour local day is one day
    assert compute(vistula_engagement, "cycle_time_p50_hours", day).value == pytest.approx(12)


def test_delivery_derives_each_items_active_seconds_when_its_history_is_written(data):
    from accord.delivery.models import WorkItem

    active = dict(WorkItem.objects.values_list("key", "active_seconds"))
    # 72 of its 96 h active; have no cycle time
    assert active["A-2"] == 72 * 3600
    assert (active["A-4"], active["A-8"]) == (None, None)


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (dt.datetime(2026, 3, 1), at(2), "A period's start must be an aware datetime"),
        (at(2), at(1), "A period must end after it starts"),
    ],
)
def test_a_bad_period_is_refused_with_one_sentence(start, end, message):
    with pytest.raises(ValueError, match=message):
        Period(start, end)


def test_periods_are_kept_in_utc_and_equal_whatever_zone_they_were_given_in():
    berlin = ZoneInfo("Europe/Berlin")
    local = Period(
        dt.datetime(2026, 3, 1, 1, tzinfo=berlin), dt.datetime(2026, 4, 1, 2, tzinfo=berlin)
    )
    assert local == MARCH and hash(local) == hash(MARCH)
    assert local.start.tzinfo == dt.UTC


def test_an_unknown_metric_or_affiliation_is_one_clear_sentence(vistula_engagement):
    from accord.metrics.catalog import BadAffiliation, UnknownMetric

    with pytest.raises(UnknownMetric, match="There is no metric “speed”"):
        compute(vistula_engagement, "speed", MARCH)
    with pytest.raises(BadAffiliation, match="“vendor” is not an affiliation"):
        compute(vistula_engagement, "throughput", MARCH, affiliation="vendor")


@pytest.mark.parametrize("evidence", [True, False])
def test_a_short_span_read_through_index_ranges_gives_what_reading_every_item_gives(
    data, monkeypatch, evidence
):
    # given the months around March, each read once with the loader's short-span path (done,
    # done later, cancelled and open items through their own indexes) and once by walking
    # every item of the source
    from accord.metrics.catalog import work_items

    months = [Period(at(1, month=m), at(1, month=m + 1)) for m in (2, 3, 4)]
    keys = [*FLOW, "bug_share"]
    results = {}
    for label, short_span in (("ranges", 10**9), ("walk", 0)):
        monkeypatch.setattr(work_items, "SHORT_SPAN", short_span)
        # when
        results[label] = {
            month: compute_many(data.engagement, keys, [month], evidence=evidence)
            for month in months
        }
    # then
    assert results["ranges"] == results["walk"]
    assert results["ranges"][MARCH][("wip", MARCH)].value == 2
