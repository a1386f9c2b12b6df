"""/api/v1/vendors/: list, detail, create, update and delete under the access policy."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accord.accounts.actions import issue_api_token
from accord.audit.models import AuditEvent
from accord.vendors import actions
from accord.vendors.models import Certification, DeliveryLocation, Industry, Vendor
from accord.vendors.tests.conftest import days
from conftest import logged_in

pytestmark = pytest.mark.django_db

API = "/api/v1/vendors/"


def detail(vendor: Vendor) -> str:
    return f"{API}{vendor.pk}/"


def token_client(user) -> Client:
    _, token = issue_api_token(user=user)
    return Client(HTTP_AUTHORIZATION=f"Token {token}")


def send(client: Client, method: str, url: str, body: object) -> Any:
    payload = body if isinstance(body, str) else json.dumps(body)
    return getattr(client, method)(url, payload, content_type="application/json")


# --- reading --------------------------------------------------------------------------------------


def test_anonymous_callers_get_401():
    assert Client().get(API).status_code == 401
    assert send(Client(), "post", API, {"name": "Ghost"}).status_code == 401
    assert not Vendor.objects.exists()


@pytest.mark.parametrize("role", ["admin", "manager", "evaluator", "viewer"])
def test_client_users_list_every_vendor_in_pages(everyone, role):
    # when
    body = token_client(everyone[role]).get(API).json()
    # then
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 2
    assert [v["name"] for v in body["results"]] == ["Deccan Digital Labs", "Vistula Software House"]


@pytest.mark.parametrize("role", ["vendor_lead", "vendor_member"])
def test_a_vendor_user_lists_and_reads_only_their_own_vendor(everyone, vistula, deccan, role):
    client = token_client(everyone[role])
    assert [v["slug"] for v in client.get(API).json()["results"]] == ["vistula-software-house"]
    assert client.get(detail(vistula)).status_code == 200
    assert client.get(detail(deccan)).status_code == 404


def test_the_list_filters_like_the_web_page(mark, vistula, deccan):
    client = token_client(mark)
    assert [v["name"] for v in client.get(API, {"q": "deccan"}).json()["results"]] == [
        "Deccan Digital Labs"
    ]
    assert [v["name"] for v in client.get(API, {"country": "pl"}).json()["results"]] == [
        "Vistula Software House"
    ]


def test_the_detail_carries_the_profile_sections(mark, vistula_profile):
    # when
    body = token_client(mark).get(detail(vistula_profile)).json()
    # then
    assert body["slug"] == "vistula-software-house"
    assert body["locations"][0]["time_zone"] == "Europe/Warsaw"
    certificate = body["certifications"][0]
    assert (certificate["kind"], certificate["status"]) == ("iso_27001", "valid")
    assert certificate["evidence_name"] == "ISO 27001 certificate.pdf"
    assert certificate["evidence_url"].endswith(
        f"/vendors/vistula-software-house/certifications/{certificate['id']}/evidence/"
    )
    assert body["case_studies"][0]["industry"] == "fintech"
    assert body["references"][0]["company"] == "Nordbank"
    assert body["rate_card"][0]["amount"] == "68.00"
    assert body["documents"][0]["uploaded_by"] == "mark"
    assert body["documents"][0]["download_url"].endswith("/download/")


def test_an_expired_certificate_says_so(mark, vistula):
    actions.add_vendor_item(
        actor=mark, vendor=vistula, model=Certification, kind="gdpr", valid_until=days(-1)
    )
    body = token_client(mark).get(detail(vistula)).json()
    assert body["certifications"][0]["status"] == "expired"


def test_listing_takes_the_same_number_of_queries_for_more_vendors(mark):
    def add(n: int) -> None:
        vendor = actions.create_vendor(
            actor=mark, name=f"Vendor {n}", industries=list(Industry.objects.all()[:2])
        )
        actions.add_vendor_item(
            actor=mark,
            vendor=vendor,
            model=DeliveryLocation,
            city="Lisbon",
            country="PT",
            time_zone="Europe/Lisbon",
        )
        actions.add_vendor_item(actor=mark, vendor=vendor, model=Certification, kind="gdpr")

    client = logged_in(mark)
    add(0)
    client.get(API)
    with CaptureQueriesContext(connection) as few:
        client.get(API)
    for n in range(1, 8):
        add(n)
    with CaptureQueriesContext(connection) as many:
        assert client.get(API).json()["count"] == 8
    assert len(many) == len(few)


# --- creating -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "manager"])
def test_a_name_alone_creates_a_vendor(everyone, role):
    # when
    response = send(token_client(everyone[role]), "post", API, {"name": "Andes Nearshore"})
    # then
    assert response.status_code == 201
    body = response.json()
    vendor = Vendor.objects.get(name="Andes Nearshore")
    assert (body["id"], body["slug"]) == (vendor.pk, "andes-nearshore")
    assert body["currency"] == "EUR"
    assert body["locations"] == []


def test_creating_with_industries_and_capabilities_by_slug(mark):
    # when
    response = send(
        token_client(mark),
        "post",
        API,
        {
            "name": "Andes Nearshore",
            "headquarters_country": "CO",
            "team_size": 95,
            "industries": ["saas"],
            "capabilities": ["web", "mobile"],
        },
    )
    # then
    assert response.status_code == 201
    vendor = Vendor.objects.get(name="Andes Nearshore")
    assert list(vendor.industries.values_list("slug", flat=True)) == ["saas"]
    assert sorted(vendor.capabilities.values_list("slug", flat=True)) == ["mobile", "web"]
    event = AuditEvent.objects.get(object_type="vendors.vendor", action="create")
    assert event.actor == mark
    assert event.changes["team_size"] == [None, 95]


@pytest.mark.parametrize("role", ["evaluator", "viewer", "vendor_lead", "vendor_member"])
def test_others_may_not_create_a_vendor(everyone, vistula, role):
    response = send(token_client(everyone[role]), "post", API, {"name": "Andes Nearshore"})
    assert response.status_code == 403
    assert not Vendor.objects.filter(name="Andes Nearshore").exists()


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({}, "name", "This field is required."),
        ({"name": ""}, "name", "This field may not be blank."),
        ({"name": 12}, None, None),  # a number is read as its text: allowed
        ({"name": "A", "team_size": "many"}, "team_size", "A valid integer is required."),
        (
            {"name": "A", "team_size": -1},
            "team_size",
            "Ensure this value is greater than or equal to 0.",
        ),
        (
            {"name": "A", "industries": ["moon-mining"]},
            "industries",
            "There is no industry “moon-mining”; use one of its slugs.",
        ),
        (
            {"name": "A", "capabilities": ["telepathy"]},
            "capabilities",
            "There is no capability “telepathy”; use one of its slugs.",
        ),
        (
            {"name": "A", "industries": "fintech"},
            "industries",
            'Expected a list of items but got type "str".',
        ),
        (
            {"name": "A", "industries": [7]},
            "industries",
            "Give each industry as its slug, a string.",
        ),
        (
            {"name": "A", "industries": [{"slug": "fintech"}]},
            "industries",
            "Give each industry as its slug, a string.",
        ),
        (
            {"name": "A", "headquarters_country": "XX"},
            "headquarters_country",
            '"XX" is not a valid choice.',
        ),
        ({"name": "A", "website": "not a url"}, "website", "Enter a valid URL."),
        (
            {"name": "A", "currency": "euro"},
            "currency",
            "Use a three-letter ISO 4217 code such as EUR.",
        ),
        (
            {"name": "A", "currency": "e1r"},
            "currency",
            "Use a three-letter ISO 4217 code such as EUR.",
        ),
        (
            {"name": "A", "currency": 978},
            "currency",
            "Use a three-letter ISO 4217 code such as EUR.",
        ),
        (
            {"name": "Vistula software house"},
            "name",
            "A vendor named “Vistula software house” already exists.",
        ),
    ],
)
def test_bad_input_gets_400_with_a_clear_message_and_creates_nothing(
    mark, vistula, body, field, message
):
    # when
    response = send(token_client(mark), "post", API, body)
    # then
    if field is None:
        assert response.status_code == 201
        return
    assert response.status_code == 400, response.content
    assert response.json() == {field: [message]}
    assert list(Vendor.objects.values_list("name", flat=True)) == ["Vistula Software House"]
    assert not AuditEvent.objects.filter(
        object_type="vendors.vendor", action="create", actor=mark
    ).exists()


@pytest.mark.parametrize("payload", ['{"name": "Andes"', "[1, 2]", "name=Andes", ""])
def test_malformed_json_gets_400_and_creates_nothing(mark, payload):
    response = send(token_client(mark), "post", API, payload)
    assert response.status_code == 400
    assert response.json()  # a message, not an empty answer
    assert not Vendor.objects.exists()


# --- updating -------------------------------------------------------------------------------------


def test_a_manager_patches_one_field_and_the_change_is_audited(mark, vistula):
    # when
    response = send(token_client(mark), "patch", detail(vistula), {"team_size": 450})
    # then
    assert response.status_code == 200
    assert response.json()["team_size"] == 450
    vistula.refresh_from_db()
    assert vistula.team_size == 450
    event = AuditEvent.objects.get(object_type="vendors.vendor", action="update")
    assert (event.actor, event.changes) == (mark, {"team_size": [420, 450]})


def test_a_manager_replaces_a_vendor_with_put(alice, vistula):
    fintech = Industry.objects.get(slug="fintech")
    response = send(
        token_client(alice),
        "put",
        detail(vistula),
        {
            "name": "Vistula Group",
            "headquarters_country": "PL",
            "industries": ["fintech"],
        },
    )
    assert response.status_code == 200
    vistula.refresh_from_db()
    assert vistula.name == "Vistula Group"
    assert list(vistula.industries.all()) == [fintech]
    assert response.json()["industries"] == ["fintech"]


def test_a_bad_update_changes_nothing(mark, vistula):
    response = send(
        token_client(mark), "patch", detail(vistula), {"team_size": 450, "industries": ["nope"]}
    )
    assert response.status_code == 400
    vistula.refresh_from_db()
    assert vistula.team_size == 420
    assert not AuditEvent.objects.filter(action="update").exists()


def test_renaming_to_a_taken_name_is_refused(mark, vistula, deccan):
    response = send(token_client(mark), "patch", detail(vistula), {"name": "deccan digital labs"})
    assert response.status_code == 400
    assert response.json() == {"name": ["A vendor named “deccan digital labs” already exists."]}


@pytest.mark.parametrize("role", ["evaluator", "viewer", "vendor_lead", "vendor_member"])
def test_readers_may_not_update_or_delete(everyone, vistula, role):
    client = token_client(everyone[role])
    assert send(client, "patch", detail(vistula), {"team_size": 1}).status_code == 403
    assert send(client, "put", detail(vistula), {"name": "X"}).status_code == 403
    assert client.delete(detail(vistula)).status_code == 403
    vistula.refresh_from_db()
    assert (vistula.name, vistula.team_size) == ("Vistula Software House", 420)


@pytest.mark.parametrize("role", ["vendor_lead", "vendor_member"])
def test_another_vendors_id_is_not_found_for_writes_either(everyone, deccan, role):
    client = token_client(everyone[role])
    assert send(client, "patch", detail(deccan), {"team_size": 1}).status_code == 404
    assert client.delete(detail(deccan)).status_code == 404
    assert Vendor.objects.filter(pk=deccan.pk).exists()


# --- deleting -------------------------------------------------------------------------------------


def test_a_manager_deletes_a_vendor(mark, deccan):
    response = token_client(mark).delete(detail(deccan))
    assert response.status_code == 204
    assert not Vendor.objects.filter(pk=deccan.pk).exists()
    assert AuditEvent.objects.filter(object_type="vendors.vendor", action="delete").count() == 1


def test_a_vendor_with_engagements_cannot_be_deleted(mark, vistula, vistula_engagement):
    response = token_client(mark).delete(detail(vistula))
    assert response.status_code == 400
    assert "has engagements" in json.dumps(response.json())
    assert Vendor.objects.filter(pk=vistula.pk).exists()


def test_the_schema_describes_the_vendor_endpoints(mark):
    response = logged_in(mark).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/vendors/"])
    assert {"get", "put", "patch", "delete"} <= set(paths["/api/v1/vendors/{id}/"])
    parameters = {p["name"] for p in paths["/api/v1/vendors/"]["get"]["parameters"]}
    assert {"q", "country", "industry", "capability", "page"} <= parameters
