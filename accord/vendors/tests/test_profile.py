"""The vendor profile page: what it shows, to whom, and in how many queries."""

# The page prints typographic dashes and apostrophes, and the tests look for them.
# ruff: noqa: RUF001, RUF003

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accord.vendors import actions
from accord.vendors.models import (
    CaseStudy,
    Certification,
    DeliveryLocation,
    RateCardLine,
    Reference,
    ReferenceKind,
)
from accord.vendors.tests.conftest import days
from conftest import logged_in

pytestmark = pytest.mark.django_db


def profile_url(vendor) -> str:
    return reverse("vendors:detail", args=[vendor.slug])


def test_anonymous_visitors_are_sent_to_login(vistula):
    response = Client().get(profile_url(vistula))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    "role", ["admin", "manager", "evaluator", "viewer", "vendor_lead", "vendor_member"]
)
def test_the_client_and_the_vendors_own_users_read_the_profile(everyone, vistula, role):
    response = logged_in(everyone[role]).get(profile_url(vistula))
    assert response.status_code == 200
    assert response.context["vendor"] == vistula


@pytest.mark.parametrize("role", ["vendor_lead", "vendor_member"])
def test_a_vendor_user_cannot_see_another_vendor(everyone, deccan, role):
    response = logged_in(everyone[role]).get(profile_url(deccan))
    assert response.status_code == 404


def test_an_unknown_slug_is_not_found(mark):
    assert logged_in(mark).get("/vendors/no-such-vendor/").status_code == 404


def test_the_overview_shows_identity_size_and_scaling(mark, vistula):
    # given
    actions.update_vendor(
        actor=mark,
        vendor=vistula,
        legal_name="Vistula Software House sp. z o.o.",
        website="https://vistula.example",
        founded_year=2012,
        scale_up_capacity=25,
        scale_up_weeks=4,
        scale_down_notice_weeks=6,
        description="Product engineering.",
    )
    # when
    html = logged_in(mark).get(profile_url(vistula)).content.decode()
    # then
    for text in (
        "Vistula Software House sp. z o.o.",
        'href="https://vistula.example"',
        "Poland",
        "2012",
        "420 engineers",
        "Can add 25 engineers within 4 weeks",
        "6 weeks’ notice",
        "Product engineering.",
    ):
        assert text in html, text


def test_every_section_of_a_full_profile_is_shown(mark, vistula_profile):
    html = logged_in(mark).get(profile_url(vistula_profile)).content.decode()
    for text in (
        "Kraków",
        "Europe/Warsaw",
        "08:30–16:30",
        "ISO/IEC 27001",
        "DNV",
        "ISO27K-88231",
        "ISO 27001 certificate.pdf",
        "Mobile banking app for a Nordic bank",
        "Nordbank",
        "Jonas Berg",
        "Senior engineer",
        "68.00 EUR per hour",
        "Information security policy",
        "2025.1",
        "security-policy.pdf",
    ):
        assert text in html, text


def test_empty_sections_say_there_is_nothing_yet_and_offer_managers_the_add_button(
    mark, victor, vistula
):
    # given Vistula with no evidence at all
    as_manager = logged_in(mark).get(profile_url(vistula)).content.decode()
    as_viewer = logged_in(victor).get(profile_url(vistula)).content.decode()
    # then both read plainly that there is nothing yet
    for text in (
        "No delivery locations yet.",
        "No certificates or regulatory attestations yet.",
        "No case studies yet.",
        "No client references or testimonials yet.",
        "No rate card yet.",
        "No process documents yet",
    ):
        assert text in as_manager
        assert text in as_viewer
    # and only the manager is offered the buttons
    for name in (
        "location_add",
        "certification_add",
        "case_study_add",
        "reference_add",
        "rate_add",
        "document_add",
    ):
        url = reverse(f"vendors:{name}", args=[vistula.slug])
        assert url in as_manager
        assert url not in as_viewer


def test_a_vendor_user_reads_their_profile_without_any_edit_control(lena, vistula_profile):
    html = logged_in(lena).get(profile_url(vistula_profile)).content.decode()
    assert reverse("vendors:edit", args=[vistula_profile.slug]) not in html
    assert "data-confirm" not in html
    assert "ISO/IEC 27001" in html


@pytest.mark.parametrize(
    ("valid_from", "valid_until", "badge"),
    [
        (-400, 400, "Valid"),
        (-400, None, "Valid"),
        (-400, 30, "Expires in 30 days"),
        (-400, 0, "Expires today"),
        (-800, -1, "Expired"),
        (10, 400, "Not yet valid"),
    ],
)
def test_each_certificate_carries_a_status_badge(mark, vistula, valid_from, valid_until, badge):
    # given
    actions.add_vendor_item(
        actor=mark,
        vendor=vistula,
        model=Certification,
        kind="soc2_type2",
        valid_from=days(valid_from),
        valid_until=days(valid_until) if valid_until is not None else None,
    )
    # when
    html = logged_in(mark).get(profile_url(vistula)).content.decode()
    # then
    section = html[html.index('id="certifications"') : html.index('id="case-studies"')]
    assert badge in section


def test_a_rate_without_an_amount_says_no_price_was_given(mark, vistula):
    # given
    actions.add_vendor_item(
        actor=mark,
        vendor=vistula,
        model=RateCardLine,
        role="Engineering manager",
        amount=None,
        note="TBD",
    )
    actions.add_vendor_item(
        actor=mark,
        vendor=vistula,
        model=RateCardLine,
        role="Cloud engineer",
        amount=Decimal("7800"),
        unit="month",
        currency="USD",
    )
    # when
    html = logged_in(mark).get(profile_url(vistula)).content.decode()
    # then
    assert "No price given" in html
    assert "7,800.00 USD per month" in html


def test_locations_show_the_local_time_there_and_the_hours_in_the_readers_zone(
    mark, vistula, monkeypatch
):
    # given Pune works 09:30–18:30 India time, and it is 06:00 UTC (11:30 in Pune)
    actions.add_vendor_item(
        actor=mark,
        vendor=vistula,
        model=DeliveryLocation,
        city="Pune",
        country="IN",
        time_zone="Asia/Kolkata",
        work_start=dt.time(9, 30),
        work_end=dt.time(18, 30),
    )
    moment = dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC)
    monkeypatch.setattr("accord.vendors.views.profiles.timezone.now", lambda: moment)
    mark.time_zone = "Europe/Warsaw"
    mark.save(update_fields=["time_zone"])
    # when
    response = logged_in(mark).get(profile_url(vistula))
    # then
    row = response.context["location_rows"][0]
    assert row.local_now.astimezone(zoneinfo.ZoneInfo("Asia/Kolkata")).strftime("%H:%M") == "11:30"
    assert row.working_now is True
    html = response.content.decode()
    assert "Mon 11:30" in html
    assert "Working now" in html
    # 09:30–18:30 in Kolkata (UTC+5:30) is 05:00–14:00 in Warsaw (UTC+1) in March
    assert "05:00–14:00" in html


def test_references_and_testimonials_are_listed_apart(mark, vistula):
    # given
    actions.add_vendor_item(
        actor=mark,
        vendor=vistula,
        model=Reference,
        kind=ReferenceKind.REFERENCE,
        company="Nordbank",
        email="jonas@nordbank.example",
        may_contact=True,
    )
    actions.add_vendor_item(
        actor=mark,
        vendor=vistula,
        model=Reference,
        kind=ReferenceKind.TESTIMONIAL,
        company="Mutua Seguros",
        contact_name="Lucía Ortega",
        quote="They told us early.",
    )
    # when
    response = logged_in(mark).get(profile_url(vistula))
    # then
    assert [r.company for r in response.context["client_references"]] == ["Nordbank"]
    assert [r.company for r in response.context["testimonials"]] == ["Mutua Seguros"]
    assert "“They told us early.”" in response.content.decode()


def _add_one_of_each(vendor, actor, n: int) -> None:
    add = actions.add_vendor_item
    add(
        actor=actor,
        vendor=vendor,
        model=DeliveryLocation,
        city=f"City {n}",
        country="PL",
        time_zone="Europe/Warsaw",
    )
    add(actor=actor, vendor=vendor, model=Certification, kind="gdpr", valid_until=days(n))
    add(actor=actor, vendor=vendor, model=CaseStudy, title=f"Study {n}", summary="Work.")
    add(
        actor=actor,
        vendor=vendor,
        model=Reference,
        kind=ReferenceKind.TESTIMONIAL,
        company=f"Client {n}",
        quote="Good.",
    )
    add(actor=actor, vendor=vendor, model=RateCardLine, role=f"Role {n}", amount=Decimal(n))


def test_the_profile_takes_the_same_number_of_queries_however_much_evidence_there_is(
    mark, vistula_profile
):
    # given
    client = logged_in(mark)
    client.get(profile_url(vistula_profile))
    with CaptureQueriesContext(connection) as few:
        client.get(profile_url(vistula_profile))
    # when
    for n in range(8):
        _add_one_of_each(vistula_profile, mark, n)
    with CaptureQueriesContext(connection) as many:
        response = client.get(profile_url(vistula_profile))
    # then
    assert len(response.context["location_rows"]) == 9
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
