"""Red flags follow the vendor profile: the vendor actions recompute open candidacies' flags."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile

from accord.accounts.models import User
from accord.lib.pdf import one_page_pdf
from accord.selection import actions
from accord.selection.models import Candidate, Evaluation
from accord.selection.tests.conftest import score_all
from accord.vendors import actions as vendor_actions
from accord.vendors.models import (
    CaseStudy,
    Certification,
    RateCardLine,
    Reference,
    Vendor,
    VendorDocument,
)

pytestmark = pytest.mark.django_db


def rules(candidate: Candidate) -> set[str]:
    return set(candidate.red_flags.values_list("rule", flat=True))


def test_a_certificate_added_clears_the_missing_certificate_blocker(
    deccan_candidate: Candidate, deccan: Vendor, mark: User
) -> None:
    # given Deccan holds no ISO 27001
    assert "certificate_missing" in rules(deccan_candidate)

    # when one valid on the planned start is added to its profile
    vendor_actions.add_vendor_item(
        actor=mark,
        vendor=deccan,
        model=Certification,
        kind="iso_27001",
        valid_from=dt.date(2025, 1, 1),
        valid_until=dt.date(2029, 1, 1),
    )

    # then the flag is gone
    assert "certificate_missing" not in rules(deccan_candidate)


def test_a_certificate_that_now_expires_before_the_start_raises_the_blocker(
    vistula_candidate: Candidate, vistula: Vendor, mark: User
) -> None:
    # given Vistula's certificate is valid on the planned start (2026-09-01)
    assert "certificate_missing" not in rules(vistula_candidate)
    certificate = vistula.certifications.get(kind="iso_27001")

    # when its validity is corrected to end before the start
    vendor_actions.update_vendor_item(
        actor=mark, item=certificate, valid_until=dt.date(2026, 6, 30)
    )

    # then the candidate is blocked, with the expiry as the evidence
    flag = vistula_candidate.red_flags.get(rule="certificate_missing")
    assert flag.severity == "blocker"
    assert "2026-06-30" in flag.evidence_json


def test_case_studies_and_references_clear_the_track_record_flag_and_deleting_brings_it_back(
    deccan_candidate: Candidate, deccan: Vendor, mark: User
) -> None:
    # given
    assert "no_track_record" in rules(deccan_candidate)

    # when a case study and a reference are added
    study = vendor_actions.add_vendor_item(
        actor=mark, vendor=deccan, model=CaseStudy, title="Bank app", summary="Rebuilt it."
    )
    vendor_actions.add_vendor_item(
        actor=mark, vendor=deccan, model=Reference, kind="testimonial", company="Nordbank"
    )
    cleared = rules(deccan_candidate)
    vendor_actions.delete_vendor_item(actor=mark, item=study)

    # then the flag went away and came back with the case study removed
    assert "no_track_record" not in cleared
    assert "no_track_record" in rules(deccan_candidate)


def test_a_rate_card_line_without_an_amount_raises_unclear_pricing(
    vistula_candidate: Candidate, vistula: Vendor, mark: User
) -> None:
    # given
    assert "unclear_pricing" not in rules(vistula_candidate)

    # when
    line = vendor_actions.add_vendor_item(
        actor=mark, vendor=vistula, model=RateCardLine, role="Architect", amount=None
    )
    raised = rules(vistula_candidate)
    vendor_actions.update_vendor_item(actor=mark, item=line, amount=Decimal("90"))

    # then
    assert "unclear_pricing" in raised
    assert "unclear_pricing" not in rules(vistula_candidate)


def test_process_documents_uploaded_clear_the_documentation_flag(
    deccan_candidate: Candidate, deccan: Vendor, mark: User
) -> None:
    # given
    assert "missing_process_documents" in rules(deccan_candidate)

    # when every required document is uploaded
    for kind in ("sdlc", "security_policy", "incident_response"):
        vendor_actions.add_vendor_item(
            actor=mark,
            vendor=deccan,
            model=VendorDocument,
            kind=kind,
            title=kind,
            file=ContentFile(one_page_pdf(kind), name=f"{kind}.pdf"),
        )

    # then
    assert "missing_process_documents" not in rules(deccan_candidate)


def test_a_profile_change_reaches_the_team_size_flag(
    evaluation: Evaluation, vistula_candidate: Candidate, vistula: Vendor, mark: User
) -> None:
    # when Vistula can now scale to only 5 engineers (10 are needed)
    vendor_actions.update_vendor(actor=mark, vendor=vistula, scale_up_capacity=5)

    # then
    assert "team_too_small" in rules(vistula_candidate)


def test_a_decided_evaluation_keeps_the_flags_it_was_decided_on(
    evaluation: Evaluation,
    vistula_candidate: Candidate,
    vistula: Vendor,
    mark: User,
    eve: User,
) -> None:
    # given a decision for Vistula
    score_all(evaluation, eve, {vistula_candidate: 4})
    actions.record_decision(
        actor=mark, evaluation=evaluation, selected=vistula_candidate, reason="Best"
    )
    before = rules(vistula_candidate)

    # when its certificate is removed afterwards
    vendor_actions.delete_vendor_item(actor=mark, item=vistula.certifications.get(kind="iso_27001"))

    # then the decision's record is unchanged
    assert rules(vistula_candidate) == before
