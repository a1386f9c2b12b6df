"""Adding, editing and removing the people on both sides of an engagement."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accord.accounts.models import User
from accord.audit.models import AuditEvent
from accord.engagements.models import Contact, Engagement
from conftest import logged_in


def add_url(engagement: Engagement) -> str:
    return reverse("engagements:contact_add", args=[engagement.slug])


def edit_url(contact: Contact) -> str:
    return reverse("engagements:contact_edit", args=[contact.engagement.slug, contact.pk])


def delete_url(contact: Contact) -> str:
    return reverse("engagements:contact_delete", args=[contact.engagement.slug, contact.pk])


def test_a_manager_adds_a_vendor_contact(mark: User, vistula_engagement: Engagement) -> None:
    # when
    response = logged_in(mark).post(
        add_url(vistula_engagement),
        {
            "side": "vendor",
            "name": "Piotr Zieliński",
            "role": "Tech lead",
            "email": "piotr@example.com",
            "phone": "+48 12 345 67 89",
        },
    )

    # then
    contact = Contact.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith("#contacts")
    assert (contact.side, contact.name, contact.engagement) == (
        "vendor",
        "Piotr Zieliński",
        vistula_engagement,
    )
    event = AuditEvent.objects.get(object_type="engagements.contact")
    assert event.action == "create" and event.shared is True
    assert event.changes["email"] == [None, "piotr@example.com"]


def test_the_add_form_renders_with_tabler_classes(
    mark: User, vistula_engagement: Engagement
) -> None:
    # when
    response = logged_in(mark).get(add_url(vistula_engagement))

    # then
    assert response.status_code == 200
    assert b'<select name="side" class="form-select"' in response.content
    assert b'class="form-control"' in response.content


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"side": "vendor", "name": "Piotr", "email": "not-an-email"},
            "email",
            "Enter a valid email address.",
        ),
        ({"side": "vendor", "name": ""}, "name", "This field is required."),
        ({"side": "both", "name": "Piotr"}, "side", "Select a valid choice."),
    ],
)
def test_a_bad_contact_shows_one_message_and_stores_nothing(
    data: dict[str, str], field: str, message: str, mark: User, vistula_engagement: Engagement
) -> None:
    # when
    response = logged_in(mark).post(add_url(vistula_engagement), data)

    # then
    errors = response.context["form"].errors
    assert response.status_code == 400
    assert list(errors) == [field]
    assert len(errors[field]) == 1 and message in errors[field][0]
    assert not Contact.objects.exists()


def test_editing_a_contact_records_the_changed_fields(mark: User, client_contact: Contact) -> None:
    # when
    response = logged_in(mark).post(
        edit_url(client_contact),
        {
            "side": "client",
            "name": "Sofia Reyes",
            "role": "Head of product",
            "email": "sofia@example.com",
            "phone": "+44 20 7946 0000",
        },
    )

    # then
    client_contact.refresh_from_db()
    assert response.status_code == 302
    assert client_contact.role == "Head of product"
    event = AuditEvent.objects.filter(object_type="engagements.contact").latest("id")
    assert event.action == "update" and event.shared is True
    assert event.changes == {"role": ["Product owner", "Head of product"]}


def test_an_invalid_edit_leaves_the_contact_alone(mark: User, client_contact: Contact) -> None:
    # when
    response = logged_in(mark).post(
        edit_url(client_contact), {"side": "client", "name": "", "email": "x"}
    )

    # then
    client_contact.refresh_from_db()
    assert response.status_code == 400
    assert client_contact.name == "Sofia Reyes" and client_contact.email == "sofia@example.com"


def test_removing_a_contact(mark: User, client_contact: Contact) -> None:
    # when
    response = logged_in(mark).post(delete_url(client_contact))

    # then
    assert response.status_code == 302
    assert not Contact.objects.exists()
    event = AuditEvent.objects.filter(object_type="engagements.contact").latest("id")
    assert event.action == "delete" and event.changes["name"] == ["Sofia Reyes", None]


def test_a_contact_is_found_only_under_its_own_engagement(
    mark: User, client_contact: Contact, deccan_engagement: Engagement
) -> None:
    # when
    url = reverse("engagements:contact_edit", args=[deccan_engagement.slug, client_contact.pk])
    response = logged_in(mark).get(url)

    # then
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("evaluator", 403),
        ("viewer", 403),
        ("vendor_lead", 403),
        ("vendor_member", 403),
        ("other_vendor_lead", 404),
    ],
)
def test_only_writers_manage_contacts(
    role: str, status: int, everyone: dict[str, User], client_contact: Contact
) -> None:
    # given
    user = logged_in(everyone[role])
    engagement = client_contact.engagement

    # when
    answers = [
        user.get(add_url(engagement)).status_code,
        user.post(add_url(engagement), {"side": "vendor", "name": "Mallory"}).status_code,
        user.get(edit_url(client_contact)).status_code,
        user.post(edit_url(client_contact), {"side": "client", "name": "Mallory"}).status_code,
        user.post(delete_url(client_contact)).status_code,
    ]

    # then
    assert answers == [status] * 5
    assert list(Contact.objects.values_list("name", flat=True)) == ["Sofia Reyes"]


def test_removing_a_contact_needs_a_post(mark: User, client_contact: Contact) -> None:
    # when
    response = logged_in(mark).get(delete_url(client_contact))

    # then
    assert response.status_code == 405
    assert Contact.objects.exists()


def test_the_side_comes_preselected_from_the_link_on_the_engagement_page(
    mark: User, vistula_engagement: Engagement
) -> None:
    # when
    page = logged_in(mark).get(reverse("engagements:detail", args=[vistula_engagement.slug]))
    form = logged_in(mark).get(add_url(vistula_engagement), {"side": "vendor"})

    # then
    assert f'href="{add_url(vistula_engagement)}?side=vendor"'.encode() in page.content
    assert b'<option value="vendor" selected>' in form.content
