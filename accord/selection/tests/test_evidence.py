"""Computed evidence: working-hours overlap, certificate coverage, track record, responsiveness."""

from __future__ import annotations

import datetime as dt

import pytest

from accord.selection.evidence import (
    CertificateFact,
    Contact,
    Hours,
    certificate_coverage,
    responsiveness,
    track_record,
    working_hours_overlap,
)

T = dt.time
NINE_TO_FIVE = (T(9), T(17))


def hours(zone: str, start: dt.time | None = None, end: dt.time | None = None) -> Hours:
    return Hours(zone, start or T(9), end or T(17))


@pytest.mark.parametrize(
    ("day", "expected", "why"),
    [
        # Before either switch: CET (UTC+1) and EST (UTC-5), 08-16 vs 14-22 UTC.
        (dt.date(2026, 2, 10), 2.0, "six hours apart"),
        # New York moved to EDT on 8 March, Berlin only on 29 March: five hours apart.
        (dt.date(2026, 3, 10), 3.0, "five hours apart in the March gap"),
        # Both on summer time: six hours apart again.
        (dt.date(2026, 4, 10), 2.0, "six hours apart"),
    ],
)
def test_berlin_and_new_york_overlap_follows_each_sides_own_dst_date(day, expected, why):
    # given a Berlin client and a New York location, both working nine to five
    client, vendor = hours("Europe/Berlin"), hours("America/New_York")

    # when the overlap is computed on the day
    overlap = working_hours_overlap(client, vendor, day)

    # then it is the hand-computed number of hours
    assert overlap.hours == expected, why


def test_half_hour_zone_kolkata_overlaps_berlin_by_four_and_a_half_hours():
    # given Berlin 9-17 (08:00-16:00 UTC in winter) and Kolkata 9-18 (03:30-12:30 UTC)
    client, vendor = hours("Europe/Berlin"), hours("Asia/Kolkata", T(9), T(18))

    # when
    overlap = working_hours_overlap(client, vendor, dt.date(2026, 2, 10))

    # then
    assert overlap.hours == 4.5
    assert "4.5 h" in overlap.working


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        # Adelaide on summer time (UTC+10:30): 22:30-06:30 UTC against Kolkata's 03:30-11:30.
        (dt.date(2026, 2, 10), 3.0),
        # Adelaide on standard time (UTC+9:30): 23:30-07:30 UTC.
        (dt.date(2026, 7, 10), 4.0),
    ],
)
def test_adelaide_half_hour_zone_with_southern_summer_time(day, expected):
    # given a Kolkata client and an Adelaide location, nine to five
    client, vendor = hours("Asia/Kolkata"), hours("Australia/Adelaide")

    # when
    overlap = working_hours_overlap(client, vendor, day)

    # then
    assert overlap.hours == expected


def test_overnight_vendor_shift_that_starts_the_day_before_counts():
    # given a Berlin client (08-16 UTC) and a Los Angeles night shift 22:00-06:00 (06-14 UTC)
    client, vendor = hours("Europe/Berlin"), hours("America/Los_Angeles", T(22), T(6))

    # when
    overlap = working_hours_overlap(client, vendor, dt.date(2026, 2, 10))

    # then the shift that began on the vendor's previous day overlaps 08:00-14:00 UTC
    assert overlap.hours == 6.0


def test_overnight_vendor_shift_serving_a_us_client():
    # given a New York client (14-22 UTC) and a Kolkata night shift 18:00-02:00 (12:30-20:30 UTC)
    client, vendor = hours("America/New_York"), hours("Asia/Kolkata", T(18), T(2))

    # when
    overlap = working_hours_overlap(client, vendor, dt.date(2026, 2, 10))

    # then
    assert overlap.hours == 6.5


def test_overnight_client_hours_overlap_the_vendors_next_morning():
    # given a London night desk 22:00-06:00 and Kolkata 9-17 (03:30-11:30 UTC next day)
    client, vendor = hours("Europe/London", T(22), T(6)), hours("Asia/Kolkata")

    # when
    overlap = working_hours_overlap(client, vendor, dt.date(2026, 1, 15))

    # then the common stretch is 03:30-06:00 UTC
    assert overlap.hours == 2.5


def test_spring_forward_night_counts_real_hours_not_wall_clock_hours():
    # given a Berlin shift 01:00-05:00 on the night clocks jump from 02:00 to 03:00
    client, vendor = hours("Europe/Berlin", T(1), T(5)), hours("UTC", T(0), T(23, 59))

    # when
    overlap = working_hours_overlap(client, vendor, dt.date(2026, 3, 29))

    # then only three hours really pass
    assert overlap.hours == 3.0


def test_no_overlap_between_berlin_and_los_angeles_day_shifts():
    # given Berlin 08-16 UTC and Los Angeles 17-01 UTC
    client, vendor = hours("Europe/Berlin"), hours("America/Los_Angeles")

    # when
    overlap = working_hours_overlap(client, vendor, dt.date(2026, 2, 10))

    # then
    assert overlap.hours == 0
    assert overlap.windows == ()
    assert "in common: none" in overlap.working


START = dt.date(2026, 6, 1)


def cert(kind: str, valid_from: dt.date | None, valid_until: dt.date | None) -> CertificateFact:
    return CertificateFact(kind, kind.upper(), valid_from, valid_until)


@pytest.mark.parametrize(
    ("held", "standing", "covered"),
    [
        ([cert("iso_27001", dt.date(2025, 1, 1), dt.date(2028, 1, 1))], "valid", True),
        # 30 days left on the planned start: inside the first 90 days
        ([cert("iso_27001", dt.date(2025, 1, 1), dt.date(2026, 7, 1))], "expiring", True),
        ([cert("iso_27001", dt.date(2023, 1, 1), dt.date(2026, 5, 31))], "expired", False),
        ([cert("iso_27001", dt.date(2026, 9, 1), dt.date(2029, 9, 1))], "not_yet_valid", False),
        ([cert("soc2_type2", None, None)], "missing", False),
        # the best of several certificates of the kind counts
        (
            [
                cert("iso_27001", dt.date(2020, 1, 1), dt.date(2023, 1, 1)),
                cert("iso_27001", dt.date(2025, 1, 1), None),
            ],
            "valid",
            True,
        ),
    ],
)
def test_certificate_coverage_on_the_planned_start(held, standing, covered):
    # given the certificates a vendor holds
    # when coverage of a required ISO 27001 is computed on the planned start
    (coverage,) = certificate_coverage(["iso_27001"], held, START)

    # then
    assert coverage.standing == standing
    assert coverage.covered is covered


def test_expiring_certificate_reports_days_left_in_its_working():
    # given a certificate lapsing 90 days after the start (the last day still flagged)
    held = [cert("gdpr", None, START + dt.timedelta(days=90))]

    # when
    (coverage,) = certificate_coverage(["gdpr"], held, START)

    # then
    assert coverage.standing == "expiring"
    assert "90 days left" in coverage.working


def test_track_record_counts_case_studies_references_and_industry_match():
    # when a fintech requirement meets a vendor listing banking but with a fintech case study
    record = track_record(
        industry="fintech",
        vendor_industries=["banking"],
        case_study_industries=["fintech", None, "insurance"],
        reference_kinds=["reference", "testimonial", "reference"],
    )

    # then
    assert record.industry_served
    assert (record.case_studies, record.case_studies_in_industry) == (3, 1)
    assert (record.references, record.testimonials) == (2, 1)


def test_track_record_without_the_industry_is_not_a_match():
    record = track_record(
        industry="healthcare",
        vendor_industries=["fintech"],
        case_study_industries=["fintech"],
        reference_kinds=[],
    )
    assert not record.industry_served
    assert "healthcare: not served" in record.working


def at(day: int, hour: int) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, tzinfo=dt.UTC)


def test_responsiveness_takes_the_median_answer_time_and_counts_missed_calls():
    # given three answered questions (2 h, 30 h, 4 h), one still open for three days, and calls
    events = [
        Contact("question", at(2, 9), at(2, 11)),
        Contact("question", at(3, 9), at(4, 15)),
        Contact("question", at(5, 9), at(5, 13)),
        Contact("question", at(6, 9)),
        Contact("call", at(7, 9), outcome="held"),
        Contact("call", at(8, 9), outcome="missed"),
        Contact("call", at(20, 9)),
    ]

    # when computed on 9 March with a 48 h threshold
    result = responsiveness(events, now=at(9, 12), threshold_hours=48)

    # then
    assert result.median_response_hours == 4.0
    assert (result.questions, result.answered, result.overdue) == (4, 3, 1)
    assert (result.calls, result.calls_held, result.calls_missed) == (3, 1, 1)


def test_responsiveness_with_no_answers_has_no_median():
    result = responsiveness([], now=at(9, 12), threshold_hours=48)
    assert result.median_response_hours is None
    assert "no answered questions" in result.working
