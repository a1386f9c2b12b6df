"""The demo workspace's evaluations."""

from __future__ import annotations

import pytest

from accord.accounts.models import User
from accord.demo import load_demo
from accord.engagements.actions import delete_engagement
from accord.engagements.models import Engagement
from accord.selection.models import Evaluation, RedFlag

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_decided_and_an_open_evaluation_and_loads_once(monkeypatch):
    # given a demo password
    monkeypatch.setenv("ACCORD_DEMO_PASSWORD", "demo-pass-2026")

    # when the demo loads twice
    load_demo()
    evaluations_after_first = Evaluation.objects.count()
    flags_after_first = RedFlag.objects.count()
    load_demo()

    # then nothing doubles
    assert Evaluation.objects.count() == evaluations_after_first == 2
    assert RedFlag.objects.count() == flags_after_first

    # and the finished one has four candidates, three evaluators who submitted, and a decision
    finished = Evaluation.objects.get(slug="mobile-banking-app-partner-2027")
    assert finished.status == "decided"
    assert finished.candidates.count() == 4
    assert finished.assignments.filter(submitted_at__isnull=False).count() == 3
    assert finished.decision.selected.vendor.name == "Vistula Software House"

    # and the demo vendors get the flags they deserve
    flags = set(
        RedFlag.objects.filter(candidate__evaluation=finished).values_list(
            "candidate__vendor__name", "rule"
        )
    )
    assert ("Andes Nearshore", "certificate_missing") in flags
    assert ("Andes Nearshore", "missing_process_documents") in flags
    assert ("Andes Nearshore", "team_too_small") in flags
    assert ("Andes Nearshore", "low_overlap") in flags
    assert ("Andes Nearshore", "no_track_record") in flags
    assert ("Deccan Digital Labs", "unclear_pricing") in flags
    assert ("Deccan Digital Labs", "poor_communication") in flags
    assert ("Lusitania Code", "certificate_missing") in flags
    assert ("Lusitania Code", "certificate_expiring") in flags
    assert not any(vendor == "Vistula Software House" for vendor, _ in flags)

    # and the decision started one engagement with Vistula's promises as its baseline
    baseline = finished.decision.baseline
    assert baseline.engagement.vendor.name == "Vistula Software House"
    assert baseline.promises["vendor"] == "Vistula Software House"
    assert baseline.promises["evaluation"] == finished.slug
    assert Engagement.objects.filter(selection_baseline__isnull=False).count() == 1

    # and the open one is being scored, with Deccan's checklist open in the portal
    open_one = Evaluation.objects.get(slug="data-platform-partner-2027")
    assert open_one.status == "scoring"
    assert open_one.candidates.filter(invited_at__isnull=False).count() == 2


def test_a_demo_loaded_before_its_decision_started_an_engagement_gets_one(monkeypatch):
    # given a demo workspace whose decided evaluation has no engagement (as loaded before)
    monkeypatch.setenv("ACCORD_DEMO_PASSWORD", "demo-pass-2026")
    load_demo()
    finished = Evaluation.objects.get(slug="mobile-banking-app-partner-2027")
    delete_engagement(
        actor=User.objects.get(username="manager"), engagement=finished.decision.baseline.engagement
    )

    # when the demo loads again
    result = load_demo()

    # then the decision starts its engagement, once
    assert result["created"] is True
    finished.refresh_from_db()
    assert finished.decision.baseline.engagement.vendor.name == "Vistula Software House"
    assert load_demo()["created"] is False
