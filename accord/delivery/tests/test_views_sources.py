"""Data source settings pages: add, edit, write-only credentials, webhook setup, status
mapping, rules and delete — per role. Running a source (sync, test, upload, history) is in
test_views_source_runs.py."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accord.delivery.models import Category, DataSource, SourceStatus, WorkItem
from accord.delivery.tests.ui_records import SECRET_TOKEN, source, source_url, work_item
from conftest import logged_in

pytestmark = pytest.mark.django_db


def test_a_manager_adds_a_github_source_and_is_shown_how_to_set_up_its_webhook(
    mark, vistula_engagement
):
    # given
    client = logged_in(mark)
    add = reverse("delivery:source_add", args=[vistula_engagement.slug])

    # when
    response = client.post(
        add,
        {
            "kind": "github",
            "name": "Payments repos",
            "repos": "acme/payments\nacme/mobile",
            "token": SECRET_TOKEN,
        },
    )

    # then
    src = DataSource.objects.get(engagement=vistula_engagement, name="Payments repos")
    assert response.status_code == 302
    assert src.scope == {"repos": ["acme/payments", "acme/mobile"]}
    assert src.token == SECRET_TOKEN
    page = client.get(source_url("source_detail", src)).content.decode()
    assert f"http://testserver/hooks/github/{src.pk}<" in page
    assert src.webhook_secret in page
    assert "Settings → Webhooks" in page
    assert "Stored, ending …9876" in page
    assert SECRET_TOKEN not in page


def test_the_kind_is_chosen_first_and_the_form_shows_only_its_fields(mark, vistula_engagement):
    # given
    client = logged_in(mark)
    add = reverse("delivery:source_add", args=[vistula_engagement.slug])

    # when
    chooser = client.get(add).content.decode()
    jira_form = client.get(add + "?kind=jira").content.decode()

    # then
    assert "What do you want to connect?" in chooser
    assert 'name="project_keys"' in jira_form and 'name="repos"' not in jira_form
    assert "Account email" in jira_form


def test_the_token_is_never_rendered_anywhere_after_it_is_saved(alice, mark, vistula_engagement):
    # given a source whose token and webhook secret were set through the form
    client = logged_in(mark)
    src = source(vistula_engagement)
    client.post(
        source_url("source_edit", src),
        {"name": "GitHub", "repos": "acme/payments", "token": SECRET_TOKEN},
    )
    src.refresh_from_db()
    assert src.token == SECRET_TOKEN

    # when every page that shows the source or its history is read, by a manager and an admin
    pages = [
        client.get(source_url(name, src)).content.decode()
        for name in ("source_detail", "source_edit", "source_runs")
    ]
    pages.append(
        client.get(reverse("delivery:source_list", args=[src.engagement.slug])).content.decode()
    )
    pages.append(
        client.get(reverse("engagements:detail", args=[src.engagement.slug])).content.decode()
    )
    pages.append(logged_in(alice).get(reverse("audit:list")).content.decode())

    # then the token is nowhere, not even in the audit log of the change
    assert all(SECRET_TOKEN not in page for page in pages)
    assert "(secret set)" in pages[-1]


def test_saving_without_typing_a_token_keeps_the_stored_one(mark, vistula_engagement):
    # given
    src = source(vistula_engagement, token=SECRET_TOKEN)

    # when
    response = logged_in(mark).post(
        source_url("source_edit", src), {"name": "Renamed", "repos": ""}
    )

    # then
    src.refresh_from_db()
    assert response.status_code == 302
    assert (src.name, src.token) == ("Renamed", SECRET_TOKEN)


def test_a_manager_can_remove_the_stored_token(mark, vistula_engagement):
    # given
    src = source(vistula_engagement, token=SECRET_TOKEN)

    # when
    logged_in(mark).post(source_url("source_edit", src), {"name": "GitHub", "clear_token": "on"})

    # then
    src.refresh_from_db()
    assert src.token == ""


def test_a_bad_repository_name_is_refused_with_the_reason(mark, vistula_engagement):
    # given
    src = source(vistula_engagement)

    # when
    response = logged_in(mark).post(
        source_url("source_edit", src), {"name": "GitHub", "repos": "just-a-name"}
    )

    # then
    assert response.status_code == 400
    assert "“just-a-name” is not owner/name" in response.content.decode()


def test_a_viewer_reads_the_source_but_sees_no_secret_and_no_buttons(victor, vistula_engagement):
    # given
    src = source(vistula_engagement, token=SECRET_TOKEN)

    # when
    response = logged_in(victor).get(source_url("source_detail", src))

    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert src.webhook_secret not in page
    assert "…9876" not in page and "Edit</a>" not in page


@pytest.mark.parametrize(
    ("user", "engagement", "status"),
    [
        ("lena", "vistula_engagement", 200),
        ("milo", "vistula_engagement", 200),
        ("dev", "vistula_engagement", 404),
        ("eve", "vistula_engagement", 200),
    ],
)
def test_vendor_users_read_only_their_own_vendors_sources(request, user, engagement, status):
    # given
    src = source(request.getfixturevalue(engagement), token=SECRET_TOKEN)
    client = logged_in(request.getfixturevalue(user))

    # when
    detail = client.get(source_url("source_detail", src))
    listing = client.get(reverse("delivery:source_list", args=[src.engagement.slug]))

    # then
    assert (detail.status_code, listing.status_code) == (status, status)
    if status == 200:
        assert src.webhook_secret not in detail.content.decode()


def test_vendor_users_may_not_change_their_own_vendors_source(lena, vistula_engagement):
    # given
    src = source(vistula_engagement)

    # when
    response = logged_in(lena).post(source_url("source_edit", src), {"name": "Mine now"})

    # then
    src.refresh_from_db()
    assert response.status_code == 403
    assert src.name == "GitHub"


def test_the_status_editor_highlights_unmapped_statuses_and_saves_categories(
    mark, vistula_engagement
):
    # given a Jira source with one unresolved status an item sits in, and one resolved status
    src = source(vistula_engagement, kind="jira", name="Jira")
    stuck = SourceStatus.objects.create(
        data_source=src, external_id="10500", name="Ready for QA", resolution="unresolved"
    )
    SourceStatus.objects.create(
        data_source=src,
        external_id="3",
        name="In Progress",
        category="in_progress",
        resolution="status_list",
        listed_category="in_progress",
    )
    item = work_item(src, 1, status="Ready for QA", status_id="10500")
    client = logged_in(mark)
    page = client.get(source_url("source_detail", src)).content.decode()
    assert page.count('data-unmapped="true"') == 1
    assert "1 unmapped" in page

    # when the manager maps it to in progress and marks it active
    response = client.post(
        source_url("source_statuses", src),
        {f"category_{stuck.pk}": "in_progress", f"active_{stuck.pk}": "on"},
    )

    # then the mapping is stored, the status resolved from it, and the item recategorized
    src.refresh_from_db()
    stuck.refresh_from_db()
    item.refresh_from_db()
    assert response.status_code == 302
    assert src.status_mapping == {"Ready for QA": "in_progress"}
    assert src.active_statuses == ["Ready for QA"]
    assert (stuck.category, stuck.resolution) == ("in_progress", "mapping")
    assert item.status_category == Category.IN_PROGRESS
    assert (
        'data-unmapped="true"' not in client.get(source_url("source_detail", src)).content.decode()
    )


def test_an_unknown_category_is_refused(mark, vistula_engagement):
    # given
    src = source(vistula_engagement, kind="jira", name="Jira")
    status = SourceStatus.objects.create(data_source=src, external_id="1", name="Open")

    # when
    response = logged_in(mark).post(
        source_url("source_statuses", src), {f"category_{status.pk}": "x"}
    )

    # then
    src.refresh_from_db()
    assert response.status_code == 400
    assert src.status_mapping == {}


def test_incident_and_deployment_rules_are_saved_for_github(mark, vistula_engagement):
    # given
    src = source(vistula_engagement, incident_rule={"labels": ["old"]})

    # when
    response = logged_in(mark).post(
        source_url("source_rules", src),
        {
            "labels": "incident, sev1",
            "environment_pattern": "prod*",
            "workflow": "Deploy",
            "releases": "on",
        },
    )

    # then
    src.refresh_from_db()
    assert response.status_code == 302
    assert src.incident_rule == {"labels": ["incident", "sev1"]}
    assert src.deployment_rule == {
        "environment_pattern": "prod*",
        "workflow": "Deploy",
        "releases": True,
    }


def test_deleting_a_source_asks_first_then_removes_it_with_its_records(mark, vistula_engagement):
    # given
    src = source(vistula_engagement)
    work_item(src, 1)
    client = logged_in(mark)

    # when
    confirm = client.get(source_url("source_delete", src))
    response = client.post(source_url("source_delete", src))

    # then
    assert "1 work items" in confirm.content.decode()
    assert DataSource.objects.filter(pk=src.pk).exists() is False
    assert response.status_code == 302
    assert not WorkItem.objects.exists()


def test_mapping_a_trello_list_keeps_the_categories_guessed_from_other_list_names(
    mark, vistula_engagement
):
    # given a Trello board with a "Done" list (guessed) and a "Parking lot" list (unmapped)
    src = source(vistula_engagement, kind="trello", name="Trello")
    work_item(src, 1, status="Done", status_id="list-done")
    work_item(src, 2, status="Parking lot", status_id="list-park")
    from accord.delivery.connectors.trello.mapping import default_category
    from accord.delivery.statuses import resolve_statuses

    resolve_statuses(data_source=src, guess=default_category)
    parked = SourceStatus.objects.get(data_source=src, external_id="list-park")

    # when the manager maps the unmapped list
    logged_in(mark).post(source_url("source_statuses", src), {f"category_{parked.pk}": "cancelled"})

    # then both are resolved: one by the mapping, the other still by its name
    resolved = dict(SourceStatus.objects.filter(data_source=src).values_list("name", "resolution"))
    assert resolved == {"Done": "list_name", "Parking lot": "mapping"}


def test_a_manager_replaces_the_webhook_secret_without_it_being_echoed(mark, vistula_engagement):
    # given
    src = source(vistula_engagement, kind="trello", name="Trello")
    new_secret = "trello-app-secret-0123456789abcdef"

    # when
    response = logged_in(mark).post(
        source_url("source_edit", src),
        {"name": "Trello", "board_id": "5f0c", "new_webhook_secret": new_secret},
    )

    # then
    src.refresh_from_db()
    assert response.status_code == 302
    assert src.webhook_secret == new_secret
    assert src.scope == {"board_id": "5f0c"}
    form = logged_in(mark).get(source_url("source_edit", src)).content.decode()
    assert new_secret not in form
