"""People across sources, their affiliations over time and the email-domain rules: the client
side reads, managers and admins change, vendor users never see the list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import F
from django.urls import reverse

from accord.audit.models import AuditEvent
from accord.delivery.models import Affiliation, AffiliationRule, PersonIdentity
from accord.delivery.tests.ui_records import person
from conftest import logged_in

pytestmark = pytest.mark.django_db


def test_the_client_side_sees_people_with_their_accounts_and_affiliations(
    victor, vistula, client_org
):
    # given
    ada = person("Ada Lovelace", "ada@vistula.example")
    PersonIdentity.objects.create(person=ada, source_kind="github", external_id="ada-gh")
    Affiliation.objects.create(person=ada, organization=vistula.organization)
    person("Nobody Known")

    # when
    page = logged_in(victor).get(reverse("delivery:people")).content.decode()

    # then
    assert "Ada Lovelace" in page and "github: ada-gh" in page
    assert "Vistula Software House" in page
    assert "Unknown" in page


@pytest.mark.parametrize("user", ["lena", "milo", "dev"])
def test_vendor_users_do_not_see_the_people_list(request, user):
    # given
    ada = person("Ada Lovelace")
    client = logged_in(request.getfixturevalue(user))

    # when
    answers = [
        client.get(reverse("delivery:people")).status_code,
        client.get(reverse("delivery:person_detail", args=[ada.pk])).status_code,
        client.get(reverse("delivery:affiliation_rules")).status_code,
    ]

    # then
    assert answers == [404, 404, 404]


def test_people_can_be_found_by_name_email_or_account(eve):
    # given
    ada = person("Ada Lovelace", "ada@vistula.example")
    PersonIdentity.objects.create(person=ada, source_kind="jira", external_id="5f1a-acc")
    person("Grace Hopper", "grace@client.example")
    client = logged_in(eve)

    # when
    by_account = client.get(reverse("delivery:people") + "?search=5f1a").content.decode()

    # then
    assert "Ada Lovelace" in by_account and "Grace Hopper" not in by_account


def test_a_new_domain_rule_affiliates_the_people_already_seen_with_that_domain(mark, vistula):
    # given
    ada = person("Ada", "ada@vistula.example")
    other = person("Bob", "bob@elsewhere.example")

    # when
    response = logged_in(mark).post(
        reverse("delivery:affiliation_rules"),
        {"domain": "@Vistula.Example", "organization": vistula.organization.pk},
    )

    # then
    assert response.status_code == 302
    rule = AffiliationRule.objects.get()
    assert rule.domain == "vistula.example"
    assert list(ada.affiliations.values_list("organization", "set_by_rule")) == [
        (vistula.organization.pk, True)
    ]
    assert not other.affiliations.exists()


def test_a_domain_taken_by_another_organization_is_refused(mark, vistula, deccan):
    # given
    AffiliationRule.objects.create(organization=deccan.organization, domain="shared.example")

    # when
    response = logged_in(mark).post(
        reverse("delivery:affiliation_rules"),
        {"domain": "shared.example", "organization": vistula.organization.pk},
    )

    # then
    assert response.status_code == 400
    assert "already belongs to Deccan Digital Labs" in response.content.decode()


def test_removing_a_rule_removes_the_affiliations_it_set_but_not_those_set_by_hand(mark, vistula):
    # given
    rule = AffiliationRule.objects.create(organization=vistula.organization, domain="v.example")
    by_rule = person("Ada", "ada@v.example")
    by_hand = person("Bob", "bob@v.example")
    Affiliation.objects.create(person=by_rule, organization=vistula.organization, set_by_rule=True)
    Affiliation.objects.create(person=by_hand, organization=vistula.organization)

    # when
    logged_in(mark).post(reverse("delivery:affiliation_rule_delete", args=[rule.pk]))

    # then
    assert not AffiliationRule.objects.exists()
    assert list(Affiliation.objects.values_list("person", flat=True)) == [by_hand.pk]


def test_a_manager_records_a_move_from_a_vendor_to_the_client(mark, vistula, client_org):
    # given someone who has worked for Vistula since the start
    ada = person("Ada", "ada@vistula.example")
    old = Affiliation.objects.create(person=ada, organization=vistula.organization)
    client = logged_in(mark)

    # when the old affiliation is ended on 31 March and the client's starts on 1 April
    ended = client.post(
        reverse("delivery:affiliation_edit", args=[ada.pk, old.pk]),
        {"organization": vistula.organization.pk, "valid_until": "2026-03-31"},
    )
    added = client.post(
        reverse("delivery:person_detail", args=[ada.pk]),
        {"organization": client_org.pk, "valid_from": "2026-04-01"},
    )

    # then
    assert (ended.status_code, added.status_code) == (302, 302)
    spans = list(
        ada.affiliations.order_by(F("valid_from").asc(nulls_first=True)).values_list(
            "organization", "valid_from", "valid_until"
        )
    )
    assert spans == [
        (vistula.organization.pk, None, dt.date(2026, 3, 31)),
        (client_org.pk, dt.date(2026, 4, 1), None),
    ]
    assert AuditEvent.objects.filter(object_type="delivery.affiliation").count() == 2


def test_an_overlapping_affiliation_is_refused_with_the_reason(mark, vistula, client_org):
    # given
    ada = person("Ada")
    Affiliation.objects.create(person=ada, organization=vistula.organization)

    # when
    response = logged_in(mark).post(
        reverse("delivery:person_detail", args=[ada.pk]),
        {"organization": client_org.pk, "valid_from": "2026-04-01"},
    )

    # then
    assert response.status_code == 400
    assert "already works for Vistula Software House" in response.content.decode()
    assert ada.affiliations.count() == 1


def test_an_end_before_the_start_is_refused(mark, client_org):
    # given
    ada = person("Ada")

    # when
    response = logged_in(mark).post(
        reverse("delivery:person_detail", args=[ada.pk]),
        {"organization": client_org.pk, "valid_from": "2026-04-01", "valid_until": "2026-03-01"},
    )

    # then
    assert response.status_code == 400
    assert "The end date is before the start date." in response.content.decode()
    assert not ada.affiliations.exists()


@pytest.mark.parametrize("user", ["eve", "victor"])
def test_readers_on_the_client_side_may_not_change_affiliations(request, user, vistula):
    # given
    ada = person("Ada")
    client = logged_in(request.getfixturevalue(user))

    # when
    add = client.post(
        reverse("delivery:person_detail", args=[ada.pk]),
        {"organization": vistula.organization.pk},
    )
    rule = client.post(
        reverse("delivery:affiliation_rules"),
        {"domain": "x.example", "organization": vistula.organization.pk},
    )
    page = client.get(reverse("delivery:person_detail", args=[ada.pk])).content.decode()

    # then
    assert (add.status_code, rule.status_code) == (403, 403)
    assert not Affiliation.objects.exists() and not AffiliationRule.objects.exists()
    assert "Add an affiliation" not in page


def _people(n: int, offset: int, organization) -> None:
    for i in range(offset, offset + n):
        someone = person(f"Person {i}", f"p{i}@vistula.example")
        PersonIdentity.objects.create(person=someone, source_kind="git", external_id=f"p{i}")
        Affiliation.objects.create(person=someone, organization=organization)


def test_the_people_list_costs_the_same_queries_for_three_people_as_for_thirty(mark, vistula):
    # given
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = logged_in(mark)
    _people(3, 0, vistula.organization)
    client.get(reverse("delivery:people"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("delivery:people"))

    # when
    _people(27, 100, vistula.organization)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("delivery:people"))

    # then
    assert response.status_code == 200
    assert len(many) == len(few)
