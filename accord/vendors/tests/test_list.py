"""The vendor list: who sees which vendors, search and filters, columns, pages, query count."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accord.vendors import actions
from accord.vendors.models import Capability, Certification, DeliveryLocation, Industry
from accord.vendors.tests.conftest import days
from conftest import logged_in

pytestmark = pytest.mark.django_db

LIST = reverse("vendors:list")


def names_on(response) -> list[str]:
    return [v.name for v in response.context["page_obj"]]


def test_anonymous_visitors_are_sent_to_login():
    response = Client().get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role", ["admin", "manager", "evaluator", "viewer"])
def test_client_users_see_every_vendor(everyone, role):
    # when
    response = logged_in(everyone[role]).get(LIST)
    # then
    assert response.status_code == 200
    assert names_on(response) == ["Deccan Digital Labs", "Vistula Software House"]


@pytest.mark.parametrize("role", ["vendor_lead", "vendor_member"])
def test_a_vendor_user_sees_only_their_own_vendor(everyone, role):
    # when lena or milo of Vistula open the list
    response = logged_in(everyone[role]).get(LIST)
    # then
    assert response.status_code == 200
    assert names_on(response) == ["Vistula Software House"]
    assert b"Deccan" not in response.content


def test_only_managers_and_admins_see_the_add_button(mark, victor):
    add = reverse("vendors:add").encode()
    assert add in logged_in(mark).get(LIST).content
    assert add not in logged_in(victor).get(LIST).content


def test_a_vendor_user_cannot_learn_other_vendors_countries_from_the_filter(lena, deccan):
    # given Deccan is in India and Vistula in Poland
    # when lena opens the list
    response = logged_in(lena).get(LIST)
    # then the country filter offers only Poland
    assert response.context["countries"] == [("PL", "Poland")]


def test_search_finds_vendors_by_part_of_the_name(mark, vistula, deccan):
    response = logged_in(mark).get(LIST, {"q": "vistula"})
    assert names_on(response) == ["Vistula Software House"]


def test_search_also_matches_the_legal_name(mark, vistula, deccan):
    # given
    actions.update_vendor(actor=mark, vendor=deccan, legal_name="Deccan Private Limited")
    # when
    response = logged_in(mark).get(LIST, {"q": "private"})
    # then
    assert names_on(response) == ["Deccan Digital Labs"]


def test_the_country_filter_matches_headquarters_or_a_delivery_location(mark, vistula, deccan):
    # given Deccan (India) also delivers from Kraków
    actions.add_vendor_item(
        actor=mark,
        vendor=deccan,
        model=DeliveryLocation,
        city="Kraków",
        country="PL",
        time_zone="Europe/Warsaw",
    )
    actions.add_vendor_item(
        actor=mark,
        vendor=deccan,
        model=DeliveryLocation,
        city="Wrocław",
        country="PL",
        time_zone="Europe/Warsaw",
    )
    client = logged_in(mark)
    # when / then: listed once although two of its locations match
    assert names_on(client.get(LIST, {"country": "PL"})) == [
        "Deccan Digital Labs",
        "Vistula Software House",
    ]
    assert names_on(client.get(LIST, {"country": "IN"})) == ["Deccan Digital Labs"]
    assert names_on(client.get(LIST, {"country": "BR"})) == []


def test_industry_and_capability_filters_combine(mark, vistula, deccan):
    # given
    fintech = Industry.objects.get(slug="fintech")
    actions.update_vendor(
        actor=mark,
        vendor=vistula,
        industries=[fintech],
        capabilities=[Capability.objects.get(slug="mobile")],
    )
    actions.update_vendor(
        actor=mark,
        vendor=deccan,
        industries=[fintech],
        capabilities=[Capability.objects.get(slug="cloud")],
    )
    client = logged_in(mark)
    # when / then
    assert names_on(client.get(LIST, {"industry": "fintech"})) == [
        "Deccan Digital Labs",
        "Vistula Software House",
    ]
    assert names_on(client.get(LIST, {"industry": "fintech", "capability": "cloud"})) == [
        "Deccan Digital Labs"
    ]
    assert names_on(client.get(LIST, {"industry": "healthcare"})) == []


def test_an_empty_filtered_list_says_nothing_matches(mark, vistula):
    response = logged_in(mark).get(LIST, {"q": "nobody by this name"})
    assert b"No vendor matches these filters." in response.content


def test_the_list_shows_team_size_locations_industries_and_headquarters(mark, vistula):
    # given
    actions.update_vendor(
        actor=mark, vendor=vistula, industries=[Industry.objects.get(slug="insurance")]
    )
    actions.add_vendor_item(
        actor=mark,
        vendor=vistula,
        model=DeliveryLocation,
        city="Gdańsk",
        country="PL",
        time_zone="Europe/Warsaw",
    )
    # when
    html = logged_in(mark).get(LIST).content.decode()
    # then
    for text in ("Poland", "420", "Gdańsk", "Insurance"):
        assert text in html


def test_a_vendor_with_an_expired_certificate_gets_a_red_badge(mark, vistula, deccan):
    # given Deccan's ISO 27001 lapsed last month and Vistula's SOC 2 expires in 30 days
    actions.add_vendor_item(
        actor=mark,
        vendor=deccan,
        model=Certification,
        kind="iso_27001",
        valid_from=days(-800),
        valid_until=days(-30),
    )
    actions.add_vendor_item(
        actor=mark,
        vendor=vistula,
        model=Certification,
        kind="soc2_type2",
        valid_from=days(-300),
        valid_until=days(30),
    )
    # when
    response = logged_in(mark).get(LIST)
    # then
    rows = {v.name: v for v in response.context["page_obj"]}
    assert (
        rows["Deccan Digital Labs"].expired_count,
        rows["Deccan Digital Labs"].expiring_count,
    ) == (1, 0)
    assert (
        rows["Vistula Software House"].expired_count,
        rows["Vistula Software House"].expiring_count,
    ) == (0, 1)
    html = response.content.decode()
    assert "1 expired" in html
    assert "1 expiring" in html


def test_the_certificate_summary_counts_each_standing(mark, vistula):
    # given one certificate of each standing
    for kind, valid_from, valid_until in [
        ("iso_27001", -800, -30),
        ("soc2_type2", -300, 30),
        ("gdpr", -300, None),
        ("pci_dss", -300, 400),
        ("hipaa", 10, 400),
    ]:
        actions.add_vendor_item(
            actor=mark,
            vendor=vistula,
            model=Certification,
            kind=kind,
            valid_from=days(valid_from),
            valid_until=days(valid_until) if valid_until is not None else None,
        )
    # when
    row = logged_in(mark).get(LIST).context["page_obj"][0]
    # then the not-yet-valid one is counted only in the total
    assert (row.expired_count, row.expiring_count, row.valid_count, row.certificate_count) == (
        1,
        1,
        2,
        5,
    )


def test_the_list_is_paginated_and_keeps_its_filters(mark):
    # given 30 vendors in Poland
    for n in range(30):
        actions.create_vendor(actor=mark, name=f"Vendor {n:02d}", headquarters_country="PL")
    client = logged_in(mark)
    # when
    first = client.get(LIST, {"country": "PL"})
    second = client.get(LIST, {"country": "PL", "page": "2"})
    # then
    assert len(first.context["page_obj"]) == 25
    assert len(second.context["page_obj"]) == 5
    assert "?country=PL&amp;page=2" in first.content.decode()


def _vendor_with_evidence(n: int, actor) -> None:
    vendor = actions.create_vendor(
        actor=actor,
        name=f"Load {n}",
        headquarters_country="PL",
        industries=list(Industry.objects.all()[:3]),
        capabilities=list(Capability.objects.all()[:2]),
    )
    for city in ("Kraków", "Gdańsk"):
        actions.add_vendor_item(
            actor=actor,
            vendor=vendor,
            model=DeliveryLocation,
            city=city,
            country="PL",
            time_zone="Europe/Warsaw",
        )
    actions.add_vendor_item(
        actor=actor,
        vendor=vendor,
        model=Certification,
        kind="gdpr",
        valid_until=dt.date(2020, 1, 1),
    )


def test_the_number_of_queries_does_not_grow_with_the_number_of_vendors(mark):
    # given two vendors with locations, industries and certificates
    for n in range(2):
        _vendor_with_evidence(n, mark)
    client = logged_in(mark)
    client.get(LIST)  # warm the session and content-type caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST).status_code == 200
    # when there are twelve
    for n in range(2, 12):
        _vendor_with_evidence(n, mark)
    with CaptureQueriesContext(connection) as many:
        response = client.get(LIST)
    # then the page shows them all with the same number of queries
    assert len(response.context["page_obj"]) == 12
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
