"""The red-flag rules: each has one case that triggers it and one that does not."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from accord.selection.evidence import (
    CertificateCoverage,
    CertificateFact,
    Hours,
    Overlap,
    Responsiveness,
    TrackRecord,
    working_hours_overlap,
)
from accord.selection.redflags import RULES, CandidateFacts, RateLine, Requirements, evaluate

REQ = Requirements(
    required_documents=("sdlc", "security_policy"),
    required_certifications=("iso_27001",),
    min_overlap_hours=3,
    response_threshold_hours=48,
    team_size_needed=10,
    scale_up_weeks_needed=6,
)
DAY = dt.date(2026, 2, 10)
ISO = CertificateFact("iso_27001", "ISO/IEC 27001", dt.date(2025, 1, 1), dt.date(2028, 1, 1))


def overlap(zone: str) -> tuple[str, Overlap]:
    return (
        zone,
        working_hours_overlap(
            Hours("Europe/Berlin", dt.time(9), dt.time(17)),
            Hours(zone, dt.time(9), dt.time(17)),
            DAY,
        ),
    )


def clean() -> CandidateFacts:
    """A candidate no rule objects to."""
    return CandidateFacts(
        vendor="Vistula",
        documents=("sdlc", "security_policy", "quality"),
        pricing_model="time_and_materials",
        rate_lines=(RateLine("Engineer", Decimal("55")), RateLine("QA", Decimal("40"))),
        track=TrackRecord("fintech", True, 3, 2, 2, 1),
        certificates=(CertificateCoverage("iso_27001", "valid", ISO, 690),),
        overlaps=(overlap("Europe/Warsaw"),),
        communication=Responsiveness(4, 4, 6.0, 0, 2, 2, 0, (5.0, 6.0, 6.0, 7.0)),
        proposed_team_size=12,
        scale_up_capacity=25,
        scale_up_weeks=4,
    )


def fired(facts: CandidateFacts) -> dict[str, str]:
    return {f.rule: f.severity for f in evaluate(facts, REQ)}


def test_a_clean_candidate_raises_no_flag():
    assert fired(clean()) == {}


def test_every_registered_rule_is_covered_here():
    assert set(RULES) == {
        "missing_process_documents",
        "unclear_pricing",
        "poor_communication",
        "no_track_record",
        "certificate_missing",
        "certificate_expiring",
        "low_overlap",
        "team_too_small",
    }


@pytest.mark.parametrize(
    ("change", "rule", "severity"),
    [
        ({"documents": ("sdlc",)}, "missing_process_documents", "warning"),
        ({"documents": ()}, "missing_process_documents", "blocker"),
        ({"pricing_model": ""}, "unclear_pricing", "warning"),
        ({"rate_lines": ()}, "unclear_pricing", "warning"),
        ({"rate_lines": (RateLine("Architect", None),)}, "unclear_pricing", "warning"),
        (
            {"rate_lines": (RateLine("DevOps", Decimal("60"), "variable by region"),)},
            "unclear_pricing",
            "warning",
        ),
        ({"extra_fees": "Onboarding fee EUR 15,000"}, "unclear_pricing", "warning"),
        (
            {"communication": Responsiveness(3, 3, 70.0, 0, 0, 0, 0, (50.0, 70.0, 90.0))},
            "poor_communication",
            "warning",
        ),
        (
            {"communication": Responsiveness(1, 1, 2.0, 0, 3, 1, 2, (2.0,))},
            "poor_communication",
            "warning",
        ),
        (
            {"communication": Responsiveness(2, 1, 2.0, 1, 0, 0, 0, (2.0,))},
            "poor_communication",
            "warning",
        ),
        ({"track": TrackRecord("fintech", True, 0, 0, 2, 0)}, "no_track_record", "warning"),
        ({"track": TrackRecord("fintech", True, 2, 1, 0, 0)}, "no_track_record", "warning"),
        (
            {"certificates": (CertificateCoverage("iso_27001", "missing"),)},
            "certificate_missing",
            "blocker",
        ),
        (
            {"certificates": (CertificateCoverage("iso_27001", "expired", ISO, -3),)},
            "certificate_missing",
            "blocker",
        ),
        (
            {"certificates": (CertificateCoverage("iso_27001", "expiring", ISO, 40),)},
            "certificate_expiring",
            "warning",
        ),
        ({"overlaps": (overlap("America/Los_Angeles"),)}, "low_overlap", "blocker"),
        ({"overlaps": ()}, "low_overlap", "blocker"),
        ({"proposed_team_size": 6, "scale_up_capacity": 6}, "team_too_small", "blocker"),
        ({"proposed_team_size": None, "scale_up_capacity": None}, "team_too_small", "warning"),
        ({"scale_up_weeks": 10}, "team_too_small", "warning"),
    ],
)
def test_each_rule_fires_on_its_evidence(change, rule, severity):
    # given an otherwise clean candidate with one weakness
    facts = dataclasses.replace(clean(), **change)

    # when the rules run
    found = {f.rule: f for f in evaluate(facts, REQ)}

    # then exactly that rule fires, with its severity, a sentence and its evidence
    assert set(found) == {rule}
    assert found[rule].severity == severity
    assert found[rule].explanation.startswith(("Vistula", "On the planned start"))
    assert found[rule].explanation.endswith(".")
    assert found[rule].evidence


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        # the required documents are there; extra kinds do not matter
        ({"documents": ("security_policy", "sdlc")}, "missing_process_documents"),
        # a note that is not about the price does not make it vague
        ({"rate_lines": (RateLine("Engineer", Decimal("55"), "senior only"),)}, "unclear_pricing"),
        # slow answers under the threshold, every call held
        (
            {"communication": Responsiveness(2, 2, 47.0, 0, 1, 1, 0, (46.0, 48.0))},
            "poor_communication",
        ),
        # testimonials alone count as client voices
        ({"track": TrackRecord(None, False, 1, 0, 0, 1)}, "no_track_record"),
        # a certificate lapsing after 91 days is fine
        (
            {"certificates": (CertificateCoverage("iso_27001", "valid", ISO, 91),)},
            "certificate_expiring",
        ),
        (
            {"certificates": (CertificateCoverage("iso_27001", "valid", ISO, 91),)},
            "certificate_missing",
        ),
        # one good location is enough even with a poor one
        (
            {"overlaps": (overlap("America/Los_Angeles"), overlap("Europe/Warsaw"))},
            "low_overlap",
        ),
        # exactly the team needed, scaling exactly in time
        ({"proposed_team_size": 10, "scale_up_weeks": 6}, "team_too_small"),
    ],
)
def test_each_rule_stays_quiet_when_the_evidence_is_good(change, rule):
    # given a candidate whose evidence for the rule is borderline but good
    facts = dataclasses.replace(clean(), **change)

    # when / then
    assert rule not in fired(facts)


def test_blockers_are_listed_before_warnings():
    facts = dataclasses.replace(clean(), pricing_model="", documents=())
    assert [f.severity for f in evaluate(facts, REQ)] == ["blocker", "warning"]


def test_low_overlap_evidence_shows_the_working_per_location():
    facts = dataclasses.replace(clean(), overlaps=(overlap("America/Los_Angeles"),))
    (finding,) = evaluate(facts, REQ)
    assert finding.evidence["locations"][0]["hours"] == 0
    assert "in common: none" in finding.evidence["locations"][0]["working"]
