"""Sprint, review, DORA and quality metrics on hand-built data; answers worked out in comments."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from accord.metrics.catalog import Period, compute, compute_many
from accord.metrics.tests.builders import Delivery, at

pytestmark = pytest.mark.django_db
MARCH = Period(at(1), at(1, month=4))
WEEKS = 31 / 7


def value(engagement, key, period=MARCH, **kw):
    return compute(engagement, key, period, **kw).value


def done_item(d, key, *, done, points=None, start=None, created=None):
    created = created or at(1)
    moves = [(start or created + dt.timedelta(hours=1), "In Progress")]
    if done is not None:
        moves.append((done, "Done"))
    return d.item(key, created=created, moves=moves, points=points)


# -- sprints ----------------------------------------------------------------------------------


@pytest.fixture
def sprints(vistula_engagement):
    d = Delivery(vistula_engagement)
    added, removed = {"in_at_start": False}, {"in_at_close": False}
    # S1, 2 → 13 March. Planned P1-P5; P4 removed on 6 March; X1 added 4 March and done;
    # X2 added 5 March and removed 9 March; P5 done only after the close.
    s1 = [
        (done_item(d, "P1", done=at(5), points=3), {}),
        (done_item(d, "P2", done=at(10), points=5), {}),
        (done_item(d, "P3", done=None, points=2), {}),
        (done_item(d, "P4", done=None, points=1), {**removed, "removed_at": at(6)}),
        (done_item(d, "P5", done=at(15), points=1), {}),
        (done_item(d, "X1", done=at(8), points=2), {**added, "added_at": at(4)}),
        (
            done_item(d, "X2", done=None),
            {**added, **removed, "added_at": at(5), "removed_at": at(9)},
        ),
    ]
    d.sprint("S1", start=at(2), complete=at(13), members=s1)
    # S2, 16 → 27 March: both planned items done (8 points and none).
    d.sprint(
        "S2",
        start=at(16),
        complete=at(27),
        members=[
            (done_item(d, "Q1", done=at(20), points=8), {}),
            (done_item(d, "Q2", done=at(25)), {}),
        ],
    )
    # S3 closes in April: not March's.
    d.sprint(
        "S3",
        start=at(30),
        complete=at(10, month=4),
        members=[(done_item(d, "R1", done=at(2, month=4), points=13), {})],
    )
    return d.finish()


def test_say_do_is_the_share_of_planned_items_done_at_close_pooled_over_sprints(sprints):
    # S1: planned P1-P5, done at close P1 and P2 → 2/5; S2: 2/2; pooled (2 + 2) / (5 + 2)
    result = compute(sprints.engagement, "say_do_ratio", MARCH)
    assert result.value == pytest.approx(4 / 7)
    assert sorted(e.value or 0 for e in result.counted) == pytest.approx([0.4, 1.0])
    assert [e.label for e in result.counted] == ["S1", "S2"]


def test_planning_accuracy_is_the_planned_share_of_what_was_done(sprints):
    # S1: done at close P1, P2, X1 → 2 of 3 planned; S2: 2 of 2 → (2 + 2) / (3 + 2)
    assert value(sprints.engagement, "planning_accuracy") == pytest.approx(4 / 5)


def test_scope_churn_is_the_larger_of_added_and_removed_over_planned(sprints):
    # S1: added X1, X2; removed P4, X2 → max(2, 2) = 2 of 5 planned; S2: 0 of 2 → 2 / 7
    assert value(sprints.engagement, "scope_churn") == pytest.approx(2 / 7)


def test_velocity_is_points_done_at_close_per_sprint(sprints):
    # S1: P1 3 + P2 5 + X1 2 = 10; S2: Q1 8 + Q2 none = 8 → (10 + 8) / 2
    assert value(sprints.engagement, "velocity") == pytest.approx(9)


def test_sprint_metrics_are_not_split_by_affiliation(sprints, vistula):
    result = compute(
        sprints.engagement, "say_do_ratio", MARCH, affiliation=f"vendor:{vistula.organization.pk}"
    )
    assert result.value is None
    assert result.inputs["affiliation"] == "not split by affiliation"


# -- review -----------------------------------------------------------------------------------


@pytest.fixture
def reviews(vistula_engagement):
    d = Delivery(vistula_engagement)
    # #1: reviewed after 6 h, merged after 24 h, 15 lines
    d.pull_request(
        1, created=at(2), merged=at(3), reviews=[("bo", at(2, 6))], additions=10, deletions=5
    )
    # #2: its author's own review does not count; bo after 12 h; merged after 48 h; 120 lines
    d.pull_request(
        2,
        created=at(4),
        merged=at(6),
        reviews=[("ana", at(4, 1)), ("bo", at(4, 12))],
        additions=100,
        deletions=20,
    )
    # #3: reviewed only by its author, still open
    d.pull_request(3, created=at(5), reviews=[("ana", at(5, 2))])
    # #4: reviewed only by a bot; merged after 24 h; size unknown
    d.pull_request(
        4,
        created=at(6),
        merged=at(7),
        reviews=[("dependabot[bot]", at(6, 1))],
        bots=["dependabot[bot]"],
        additions=None,
        deletions=None,
    )
    # #5: created 27 Feb, first reviewed 1 Mar (48 h: counts in March), merged 10 Mar (264 h)
    d.pull_request(5, created=at(27, month=2), merged=at(10), reviews=[("cy", at(1))], additions=3)
    # #6: open, not reviewed yet
    d.pull_request(6, created=at(20))
    return d.finish()


def test_pickup_time_excludes_author_and_bot_reviews_and_lists_them(reviews):
    # pickups 6, 12 and 48 h → median 12
    result = compute(reviews.engagement, "pr_pickup_p50_hours", MARCH)
    assert result.value == pytest.approx(12)
    assert sorted(e.value or 0 for e in result.counted) == pytest.approx([6, 12, 48])
    assert sorted((e.label.split()[0], e.reason) for e in result.excluded) == [
        ("acme/app#3", "reviewed only by its author"),
        ("acme/app#4", "bot review"),
        ("acme/app#6", "not reviewed yet"),
    ]


def test_time_to_merge_is_the_median_over_prs_merged_in_the_period(reviews):
    # 24, 24, 48, 264 h → (24 + 48) / 2
    assert value(reviews.engagement, "pr_time_to_merge_p50_hours") == pytest.approx(36)


def test_pr_size_leaves_out_prs_of_unknown_size(reviews):
    # 15, 120, 3 lines → 15; #4 has no size
    result = compute(reviews.engagement, "pr_size_p50_lines", MARCH)
    assert result.value == 15
    assert [(e.label.split()[0], e.reason) for e in result.excluded] == [
        ("acme/app#4", "size unknown")
    ]


# -- DORA and quality -------------------------------------------------------------------------


@pytest.fixture
def dora(vistula_engagement, client_org, vistula):
    d = Delivery(vistula_engagement, kind="github", name="GitHub")
    vendor = d.person("Piotr", vistula.organization)
    client = d.person("Carla", client_org)
    d.deployment(at(25, 10, month=2), sha="old")  # D7, before March
    d.deployment(at(2, 10), sha="bbb")  # D1
    d.deployment(at(2, 15), sha="ccc")  # D2
    d.deployment(at(9, 10))  # D3
    d.deployment(at(16, 10), status="failure")  # D4: failed
    d.deployment(at(16, 11), production=False)  # D5: staging
    d.deployment(at(23, 10))  # D6
    # Incidents, each attributed to the latest successful production deployment before it:
    d.incident(at(2, 16), at(2, 18))  # → D2, 2 h
    d.incident(at(10), at(11))  # → D3, 24 h
    d.incident(at(25))  # → D6, unresolved
    d.incident(at(1), at(1, 5))  # → D7 (February), 5 h
    # Changes: #1's merge commit is D2's (7 h although D1 came first after the merge); #2 → D2
    # (3 h); #3 → D3 (154 h); #4 merged after the last March deployment; #5, merged in
    # February, → D1 (4 days 10 h = 106 h).
    d.pull_request(1, created=at(1), merged=at(2, 8), merge_sha="ccc", person=vendor)
    d.pull_request(2, created=at(1), merged=at(2, 12), person=client)
    d.pull_request(3, created=at(1), merged=at(3), person=vendor)
    d.pull_request(4, created=at(20), merged=at(24), person=vendor)
    d.pull_request(5, created=at(20, month=2), merged=at(26, month=2), person=vendor)
    return d.finish()


def test_deployment_frequency_counts_successful_production_deployments_per_week(dora):
    # D1, D2, D3, D6 in 31 days; D4 failed and D5 not in production are listed
    result = compute(dora.engagement, "deployment_frequency_per_week", MARCH)
    assert result.value == pytest.approx(4 / WEEKS)
    assert sorted(e.reason for e in result.excluded) == [
        "deployment not in production",
        "failed deployment",
    ]


def test_deployment_frequency_class_goes_by_deployment_days(dora):
    # 4 slices of 7.75 days hold 1, 1, 1 and 0 deployment days (D1 and D2 share a day):
    # median 1 a week → weekly
    result = compute(dora.engagement, "deployment_frequency_class", MARCH)
    assert (result.value, result.inputs["class"]) == (3, "weekly")


def test_deployments_every_day_are_daily(vistula_engagement):
    d = Delivery(vistula_engagement, kind="github", name="GitHub")
    for day in range(1, 32):
        d.deployment(at(day, 9))
    d.finish()
    assert compute(vistula_engagement, "deployment_frequency_class", MARCH).inputs["class"] == (
        "daily"
    )


def test_lead_time_for_changes_prefers_the_deployment_of_the_merge_commit(dora):
    # 3, 7, 106, 154 h → (7 + 106) / 2; #4 is not in production by the end of March
    result = compute(dora.engagement, "lead_time_for_changes_p50_hours", MARCH)
    assert result.value == pytest.approx(56.5)
    assert sorted(e.value or 0 for e in result.counted) == pytest.approx([3, 7, 106, 154])
    assert [(e.label.split()[0], e.reason) for e in result.excluded] == [
        ("acme/app#4", "not in production by the period's end")
    ]


def test_change_failure_rate_counts_deployments_with_an_attributed_incident(dora):
    # D2, D3 and D6 have incidents; D1 has none → 3 / 4
    assert value(dora.engagement, "change_failure_rate") == pytest.approx(0.75)


def test_time_to_restore_leaves_out_open_incidents(dora):
    # 2, 24 and 5 h → 5; the incident of 25 March is still open
    result = compute(dora.engagement, "time_to_restore_p50_hours", MARCH)
    assert result.value == pytest.approx(5)
    assert [e.reason for e in result.excluded] == ["not resolved yet"]


def test_incidents_count_those_started_in_the_period(dora):
    assert value(dora.engagement, "incidents") == 4
    assert value(dora.engagement, "incidents", Period(at(1, month=5), at(1, month=6))) == 0


@pytest.mark.parametrize(
    ("side", "frequency", "failure_rate", "lead_time"),
    [
        # D1 (#5) and D3 (#3) shipped only vendor changes; D3 had an incident; the vendor's
        # changes #1 (7 h), #3 (154 h), #5 (106 h) → 106
        ("vendor", 2, 0.5, 106),
        # D2 shipped #1 (vendor) and #2 (client): mixed; it had an incident
        ("mixed", 1, 1.0, None),
        # no deployment shipped only client changes; the client's #2 took 3 h
        ("client", None, None, 3),
    ],
)
def test_dora_splits_deployments_by_who_wrote_the_changes_they_shipped(
    dora, vistula, side, frequency, failure_rate, lead_time
):
    wanted = f"vendor:{vistula.organization.pk}" if side == "vendor" else side
    keys = [
        "deployment_frequency_per_week",
        "change_failure_rate",
        "lead_time_for_changes_p50_hours",
    ]
    results = compute_many(dora.engagement, keys, [MARCH], affiliation=wanted)
    got = [results[(k, MARCH)].value for k in keys]
    expected = [None if frequency is None else frequency / WEEKS, failure_rate, lead_time]
    assert got == [pytest.approx(e) if e is not None else None for e in expected]


def test_a_week_of_local_days_across_the_dst_change_is_one_week(vistula_engagement):
    # Monday 23 to Monday 30 March 2026 in Berlin is 167 hours; 3 deployments → 3 a week
    berlin = ZoneInfo("Europe/Berlin")
    week = Period(dt.datetime(2026, 3, 23, tzinfo=berlin), dt.datetime(2026, 3, 30, tzinfo=berlin))
    d = Delivery(vistula_engagement, kind="github", name="GitHub")
    for day in (23, 26, 29):
        d.deployment(at(day, 12))
    d.deployment(at(29, 22, month=3))  # 30 March 00:00 local: the next week
    d.finish()
    assert value(vistula_engagement, "deployment_frequency_per_week", week) == pytest.approx(3)
    assert compute(vistula_engagement, "deployment_frequency_class", week).inputs["class"] == (
        "daily"
    )


def test_bug_share_is_the_share_of_done_items_that_are_bugs(vistula_engagement):
    d = Delivery(vistula_engagement)
    for key, kind in (("B-1", "Bug"), ("B-2", "Story"), ("B-3", "Task"), ("B-4", "缺陷")):
        d.item(key, created=at(1), moves=[(at(2), "In Progress"), (at(3), "Done")], item_type=kind)
    d.item("B-5", created=at(1), moves=[(at(2), "In Progress")], item_type="Bug")  # not done
    d.finish()
    # 2 bugs (Bug, 缺陷) of 4 done items
    assert value(vistula_engagement, "bug_share") == pytest.approx(0.5)
