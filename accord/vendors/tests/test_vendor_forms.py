"""Creating, editing and deleting a vendor through the web forms."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accord.accounts.models import Organization
from accord.audit.models import AuditEvent
from accord.vendors.models import Capability, Certification, Industry, Vendor
from accord.vendors.tests.conftest import stored_files
from conftest import logged_in

pytestmark = pytest.mark.django_db

ADD = reverse("vendors:add")


def edit_url(vendor) -> str:
    return reverse("vendors:edit", args=[vendor.slug])


def delete_url(vendor) -> str:
    return reverse("vendors:delete", args=[vendor.slug])


def vendor_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Andes Nearshore",
        "legal_name": "Andes Nearshore S.A.S.",
        "website": "https://andes.example",
        "headquarters_country": "CO",
        "founded_year": "2019",
        "description": "Nearshore web and mobile teams.",
        "team_size": "95",
        "scale_up_capacity": "10",
        "scale_up_weeks": "6",
        "scale_down_notice_weeks": "2",
        "industries": ["saas", "ecommerce"],
        "capabilities": ["web", "mobile"],
        "pricing_model": "time_and_materials",
        "currency": "usd",
        "pricing_notes": "",
    }
    data.update(overrides)
    return data


def _with_ids(data: dict[str, Any]) -> dict[str, Any]:
    """The form posts industry and capability ids; tests name them by slug."""
    out = dict(data)
    out["industries"] = [Industry.objects.get(slug=s).pk for s in data.get("industries", [])]
    out["capabilities"] = [Capability.objects.get(slug=s).pk for s in data.get("capabilities", [])]
    return out


# --- create ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "manager"])
def test_managers_and_admins_add_a_vendor(everyone, role):
    # when
    response = logged_in(everyone[role]).post(ADD, _with_ids(vendor_data()))
    # then
    vendor = Vendor.objects.get(name="Andes Nearshore")
    assert response.status_code == 302
    assert response["Location"] == reverse("vendors:detail", args=["andes-nearshore"])
    assert vendor.headquarters_country == "CO"
    assert vendor.currency == "USD"
    assert sorted(vendor.industries.values_list("slug", flat=True)) == ["ecommerce", "saas"]
    assert vendor.organization.kind == "vendor"


def test_adding_a_vendor_writes_an_audit_event_with_its_fields(mark):
    # when
    logged_in(mark).post(ADD, _with_ids(vendor_data()))
    # then
    vendor = Vendor.objects.get(name="Andes Nearshore")
    event = AuditEvent.objects.get(object_type="vendors.vendor", object_id=str(vendor.pk))
    assert (event.action, event.actor) == ("create", mark)
    assert event.changes["name"] == [None, "Andes Nearshore"]
    assert event.changes["team_size"] == [None, 95]


def test_the_add_form_renders_for_a_manager(mark):
    response = logged_in(mark).get(ADD)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="form-control' in html
    assert 'class="form-select' in html
    assert 'class="form-check-input' in html


@pytest.mark.parametrize("role", ["evaluator", "viewer", "vendor_lead", "vendor_member"])
def test_others_may_not_add_a_vendor(everyone, role):
    client = logged_in(everyone[role])
    assert client.get(ADD).status_code == 403
    assert client.post(ADD, _with_ids(vendor_data())).status_code == 403
    assert not Vendor.objects.filter(name="Andes Nearshore").exists()


def test_anonymous_visitors_are_sent_to_login_from_the_add_form():
    response = Client().post(ADD, vendor_data())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert not Vendor.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "This field is required."),
        ("website", "not a url", "Enter a valid URL."),
        (
            "headquarters_country",
            "XX",
            "Select a valid choice. XX is not one of the available choices.",
        ),
        ("founded_year", "1850", "Ensure this value is greater than or equal to 1900."),
        ("team_size", "many", "Enter a whole number."),
        ("team_size", "-3", "Ensure this value is greater than or equal to 0."),
        ("currency", "e1r", "Use a three-letter ISO 4217 code such as EUR."),
        ("currency", "euro", "Ensure this value has at most 3 characters (it has 4)."),
        (
            "pricing_model",
            "free",
            "Select a valid choice. free is not one of the available choices.",
        ),
    ],
)
def test_bad_input_shows_one_message_on_its_field_and_adds_nothing(mark, field, value, message):
    # when
    response = logged_in(mark).post(ADD, _with_ids(vendor_data(**{field: value})))
    # then
    assert response.status_code == 400
    assert response.context["form"].errors == {field: [message]}
    assert not Vendor.objects.exists()
    assert not Organization.objects.filter(kind="vendor").exists()


def test_an_unknown_industry_is_refused(mark):
    data = _with_ids(vendor_data())
    data["industries"] = [99999]
    response = logged_in(mark).post(ADD, data)
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["industries"]
    assert not Vendor.objects.exists()


def test_a_name_already_taken_is_refused_whatever_its_case(mark, vistula):
    response = logged_in(mark).post(ADD, _with_ids(vendor_data(name="VISTULA software house")))
    assert response.status_code == 400
    assert response.context["form"].errors["name"] == [
        "A vendor named “VISTULA software house” already exists."
    ]
    assert Vendor.objects.count() == 1


def test_a_vendor_named_new_does_not_hide_the_add_page(mark):
    # when
    logged_in(mark).post(ADD, _with_ids(vendor_data(name="New")))
    # then
    vendor = Vendor.objects.get(name="New")
    assert vendor.slug != "new"
    assert logged_in(mark).get(reverse("vendors:detail", args=[vendor.slug])).status_code == 200


# --- edit -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "manager"])
def test_managers_and_admins_edit_a_vendor(everyone, vistula, role):
    # when
    response = logged_in(everyone[role]).post(
        edit_url(vistula), _with_ids(vendor_data(name="Vistula Software House", team_size="450"))
    )
    # then
    assert response.status_code == 302
    vistula.refresh_from_db()
    assert vistula.team_size == 450
    assert vistula.headquarters_country == "CO"


def test_editing_records_only_the_fields_that_changed(mark, vistula):
    # given the form as stored
    form = logged_in(mark).get(edit_url(vistula)).context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data["team_size"] = "450"
    data["industries"] = []
    data["capabilities"] = []
    # when
    logged_in(mark).post(edit_url(vistula), data)
    # then
    event = AuditEvent.objects.get(object_type="vendors.vendor", action="update")
    assert event.changes == {"team_size": [420, 450]}
    assert event.actor == mark


def test_renaming_a_vendor_renames_its_organization(mark, vistula):
    logged_in(mark).post(edit_url(vistula), _with_ids(vendor_data(name="Vistula Group")))
    vistula.refresh_from_db()
    assert vistula.organization.name == "Vistula Group"


def test_bad_input_on_edit_changes_nothing(mark, vistula):
    # when
    response = logged_in(mark).post(
        edit_url(vistula), _with_ids(vendor_data(name="Vistula Software House", team_size="-1"))
    )
    # then
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["team_size"]
    # the heading names the stored vendor, not the half-edited one
    assert response.context["vendor"].headquarters_country == "PL"
    vistula.refresh_from_db()
    assert (vistula.team_size, vistula.headquarters_country) == (420, "PL")
    assert not AuditEvent.objects.filter(action="update").exists()


@pytest.mark.parametrize("role", ["evaluator", "viewer", "vendor_lead", "vendor_member"])
def test_readers_may_not_edit_a_vendor(everyone, vistula, role):
    client = logged_in(everyone[role])
    assert client.get(edit_url(vistula)).status_code == 403
    assert client.post(edit_url(vistula), _with_ids(vendor_data(team_size="1"))).status_code == 403
    vistula.refresh_from_db()
    assert vistula.team_size == 420


@pytest.mark.parametrize("role", ["other_vendor_lead", "other_vendor_member"])
def test_another_vendors_users_do_not_find_the_edit_page(everyone, vistula, role):
    client = logged_in(everyone[role])
    assert client.get(edit_url(vistula)).status_code == 404
    assert client.post(edit_url(vistula), _with_ids(vendor_data())).status_code == 404


# --- delete ---------------------------------------------------------------------------------------


def test_a_manager_deletes_a_vendor_with_its_evidence_and_files(
    mark, vistula, vistula_certificate, vistula_document, django_capture_on_commit_callbacks
):
    # given two stored files
    assert len(stored_files()) == 2
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in(mark).post(delete_url(vistula))
    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("vendors:list")
    assert not Vendor.objects.filter(pk=vistula.pk).exists()
    assert not Certification.objects.exists()
    assert not Organization.objects.filter(name="Vistula Software House").exists()
    assert stored_files() == []
    deleted = set(AuditEvent.objects.filter(action="delete").values_list("object_type", flat=True))
    assert deleted == {"vendors.vendor", "vendors.certification", "vendors.vendordocument"}
    event = AuditEvent.objects.get(action="delete", object_type="vendors.vendor")
    assert event.changes["name"] == ["Vistula Software House", None]


def test_a_vendor_with_engagements_is_not_deleted_and_the_manager_is_told_why(
    mark, vistula, vistula_engagement
):
    # when
    response = logged_in(mark).post(delete_url(vistula), follow=True)
    # then
    assert Vendor.objects.filter(pk=vistula.pk).exists()
    assert "has engagements; end or delete them before deleting the vendor." in (
        response.content.decode()
    )


def test_a_vendor_with_user_accounts_is_not_deleted(mark, vistula, lena):
    logged_in(mark).post(delete_url(vistula))
    assert Vendor.objects.filter(pk=vistula.pk).exists()


@pytest.mark.parametrize("role", ["evaluator", "viewer", "vendor_lead", "vendor_member"])
def test_readers_may_not_delete_a_vendor(everyone, vistula, role):
    assert logged_in(everyone[role]).post(delete_url(vistula)).status_code == 403
    assert Vendor.objects.filter(pk=vistula.pk).exists()


def test_deleting_needs_a_post(mark, vistula):
    assert logged_in(mark).get(delete_url(vistula)).status_code == 405
    assert Vendor.objects.filter(pk=vistula.pk).exists()


def test_the_delete_button_asks_for_confirmation(mark, vistula):
    html = logged_in(mark).get(reverse("vendors:detail", args=[vistula.slug])).content.decode()
    assert f'action="{delete_url(vistula)}" data-confirm="Delete Vistula Software House' in html
