"""Selection fixtures: an evaluation run by mark, scored by eve, with Vistula and Deccan."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from accord.accounts.models import Role, User
from accord.selection import actions
from accord.selection.models import Candidate, Evaluation
from accord.vendors import actions as vendor_actions
from accord.vendors.models import (
    CaseStudy,
    Certification,
    DeliveryLocation,
    RateCardLine,
    Reference,
    Vendor,
    VendorDocument,
)
from conftest import _user

PLANNED_START = dt.date(2026, 9, 1)


def equip(vendor: Vendor, *, zone: str = "Europe/Warsaw", complete: bool = True) -> Vendor:
    """Give a vendor a location, and (when complete) every piece of evidence the rules want."""
    from django.core.files.base import ContentFile

    from accord.lib.pdf import one_page_pdf

    add = vendor_actions.add_vendor_item
    add(actor=None, vendor=vendor, model=DeliveryLocation, city="Hub", country="PL", time_zone=zone)
    if not complete:
        return vendor
    Vendor.objects.filter(pk=vendor.pk).update(
        pricing_model="time_and_materials",
        scale_up_capacity=20,
        scale_up_weeks=4,
    )
    vendor.refresh_from_db()
    add(
        actor=None,
        vendor=vendor,
        model=Certification,
        kind="iso_27001",
        valid_from=dt.date(2025, 1, 1),
        valid_until=dt.date(2029, 1, 1),
    )
    add(actor=None, vendor=vendor, model=CaseStudy, title="Bank app", summary="Rebuilt it.")
    add(actor=None, vendor=vendor, model=Reference, kind="reference", company="Nordbank")
    add(actor=None, vendor=vendor, model=RateCardLine, role="Engineer", amount=Decimal("55"))
    for kind in ("sdlc", "security_policy", "incident_response"):
        add(
            actor=None,
            vendor=vendor,
            model=VendorDocument,
            kind=kind,
            title=kind,
            file=ContentFile(one_page_pdf(kind), name=f"{kind}.pdf"),
        )
    return vendor


@pytest.fixture
def ida(client_org: Any) -> User:
    """A second evaluator."""
    return _user("ida", client_org, Role.EVALUATOR)


@pytest.fixture
def evaluation(mark: User, eve: User) -> Evaluation:
    return actions.create_evaluation_from_template(
        actor=mark,
        name="Mobile banking app partner, 2027",
        evaluators=[eve],
        required_certifications=["iso_27001"],
        client_time_zone="Europe/Berlin",
        min_overlap_hours=Decimal("3"),
        planned_start=PLANNED_START,
        team_size_needed=10,
    )


@pytest.fixture
def vistula_candidate(evaluation: Evaluation, vistula: Vendor, mark: User) -> Candidate:
    equip(vistula)
    return actions.add_candidate(actor=mark, evaluation=evaluation, vendor=vistula)


@pytest.fixture
def deccan_candidate(evaluation: Evaluation, deccan: Vendor, mark: User) -> Candidate:
    # Deccan: a location far from Berlin's hours and none of the evidence.
    equip(deccan, zone="America/Los_Angeles", complete=False)
    return actions.add_candidate(actor=mark, evaluation=evaluation, vendor=deccan)


def score_all(evaluation: Evaluation, evaluator: User, values: dict[Candidate, int]) -> None:
    """Score every sub-criterion for each candidate with one value, then submit."""
    for candidate, value in values.items():
        for criterion in evaluation.criteria.filter(parent__isnull=False):
            actions.record_score(
                actor=evaluator,
                candidate=candidate,
                criterion=criterion,
                value=value,
                rationale=f"{value} on {criterion.name}",
            )
    actions.submit_scores(actor=evaluator, evaluation=evaluation)
