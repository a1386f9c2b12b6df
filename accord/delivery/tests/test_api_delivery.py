"""/api/v1/ delivery endpoints: data sources with write-only credentials, imports, syncs, runs
and records, under the policy; and the schema that describes them."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from accord.delivery.api import sources as delivery_api
from accord.delivery.models import DataSource, PullRequest, SyncRun
from accord.delivery.tests.ui_records import (
    DATA,
    SECRET_TOKEN,
    at,
    deployment,
    incident,
    pull_request,
    source,
    work_item,
)
from conftest import logged_in

pytestmark = pytest.mark.django_db

PULLS = Path(DATA) / "github" / "panjf2000-ants-pulls.json"


def _results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.mark.parametrize(
    ("user", "sees_secrets"),
    [("mark", True), ("alice", True), ("victor", False), ("eve", False), ("lena", False)],
)
def test_sources_are_listed_to_readers_with_secrets_only_for_managers(
    request, user, sees_secrets, vistula_engagement
):
    # given
    src = source(vistula_engagement, token=SECRET_TOKEN, username="bot@acme.invalid")

    # when
    rows = _results(logged_in(request.getfixturevalue(user)).get("/api/v1/data-sources/"))

    # then
    assert [r["id"] for r in rows] == [src.pk]
    row = rows[0]
    assert "token" not in row and "username" not in row
    assert SECRET_TOKEN not in str(row)
    assert row["webhook_path"] == f"/hooks/github/{src.pk}"
    if sees_secrets:
        assert (row["token_hint"], row["account"]) == ("…9876", "bot@acme.invalid")
        assert row["webhook_secret"] == src.webhook_secret
    else:
        assert (row["token_hint"], row["account"], row["webhook_secret"]) == (None, None, None)


def test_another_vendors_sources_and_records_do_not_exist_for_a_vendor_user(
    dev, vistula_engagement
):
    # given
    src = source(vistula_engagement)
    item = work_item(src, 1)
    run = SyncRun.objects.create(data_source=src, trigger="import")
    client = logged_in(dev)

    # when
    answers = [
        client.get(f"/api/v1/data-sources/{src.pk}/").status_code,
        client.get(f"/api/v1/work-items/{item.pk}/").status_code,
        client.get(f"/api/v1/sync-runs/{run.pk}/").status_code,
    ]
    lists = [
        _results(client.get(f"/api/v1/{name}/"))
        for name in ("data-sources", "work-items", "sync-runs")
    ]

    # then
    assert answers == [404, 404, 404]
    assert lists == [[], [], []]


def test_a_manager_creates_a_source_and_the_token_is_not_echoed(mark, vistula_engagement):
    # when
    response = logged_in(mark).post(
        "/api/v1/data-sources/",
        {
            "engagement": vistula_engagement.pk,
            "kind": "github",
            "name": "GitHub",
            "scope": {"repos": ["acme/payments"]},
            "token": SECRET_TOKEN,
        },
        content_type="application/json",
    )

    # then
    assert response.status_code == 201, response.content
    assert SECRET_TOKEN not in response.content.decode()
    assert response.json()["token_hint"] == "…9876"
    assert DataSource.objects.get().token == SECRET_TOKEN


def test_patching_the_status_mapping_refuses_unknown_categories_and_applies_good_ones(
    mark, vistula_engagement
):
    # given
    src = source(vistula_engagement, kind="jira", name="Jira")
    client = logged_in(mark)
    url = f"/api/v1/data-sources/{src.pk}/"

    # when
    bad = client.patch(url, {"status_mapping": {"QA": "maybe"}}, content_type="application/json")
    good = client.patch(url, {"status_mapping": {"QA": "done"}}, content_type="application/json")

    # then
    src.refresh_from_db()
    assert bad.status_code == 400
    assert "“maybe” is not a category for status “QA”" in bad.content.decode()
    assert good.status_code == 200
    assert src.status_mapping == {"QA": "done"}


@pytest.mark.parametrize(("user", "status"), [("lena", 403), ("victor", 403), ("dev", 404)])
def test_only_managers_change_sources(request, user, status, vistula_engagement):
    # given
    src = source(vistula_engagement)

    # when
    response = logged_in(request.getfixturevalue(user)).patch(
        f"/api/v1/data-sources/{src.pk}/", {"name": "x"}, content_type="application/json"
    )

    # then
    src.refresh_from_db()
    assert response.status_code == status
    assert src.name == "GitHub"


def test_the_import_endpoint_imports_real_github_pulls_and_returns_the_run(
    mark, vistula_engagement
):
    # given
    src = source(vistula_engagement)

    # when
    response = logged_in(mark).post(
        f"/api/v1/data-sources/{src.pk}/import/",
        {"file": SimpleUploadedFile(PULLS.name, PULLS.read_bytes())},
    )

    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "succeeded" and body["trigger"] == "import"
    assert body["counts"]["pull_requests"]["created"] == 49
    assert PullRequest.objects.filter(data_source=src).count() == 49


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "Attach the file to import as the “file” field."),
        ({"file": ("pulls.json", b'[{"number": 1, "head": {}')}, "pulls.json"),
        ({"file": ("pulls.exe", b"MZ")}, "“pulls.exe” is not a file this source imports"),
    ],
)
def test_a_bad_import_is_one_clear_400_and_writes_nothing(mark, vistula_engagement, files, message):
    # given
    src = source(vistula_engagement)
    data = {k: SimpleUploadedFile(name, content) for k, (name, content) in files.items()}

    # when
    response = logged_in(mark).post(f"/api/v1/data-sources/{src.pk}/import/", data)

    # then
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert isinstance(detail, str) and message in detail
    assert not PullRequest.objects.exists()


def test_the_sync_endpoint_queues_a_run_and_answers_202(mark, vistula_engagement, monkeypatch):
    # given a kind that syncs
    monkeypatch.setattr(delivery_api, "supports", lambda kind, module: True)
    src = source(vistula_engagement)

    # when
    response = logged_in(mark).post(f"/api/v1/data-sources/{src.pk}/sync/")

    # then
    run = SyncRun.objects.get(data_source=src)
    assert response.status_code == 202
    assert response.json() == {"run": run.pk, "status": "queued"}


def test_the_sync_endpoint_refuses_a_kind_that_only_imports(mark, vistula_engagement):
    # given
    src = source(vistula_engagement, kind="csv", name="CSV")

    # when
    response = logged_in(mark).post(f"/api/v1/data-sources/{src.pk}/sync/")

    # then
    assert response.status_code == 400
    assert "imported from files, not synced" in response.json()["detail"]
    assert not SyncRun.objects.exists()


def test_sync_runs_are_filtered_by_source(victor, vistula_engagement):
    # given
    first, second = source(vistula_engagement), source(vistula_engagement, name="Other")
    SyncRun.objects.create(data_source=first, trigger="import", status="succeeded")
    wanted = SyncRun.objects.create(data_source=second, trigger="sync", error="Boom.")

    # when
    rows = _results(logged_in(victor).get(f"/api/v1/sync-runs/?source={second.pk}"))

    # then
    assert [(r["id"], r["error"]) for r in rows] == [(wanted.pk, "Boom.")]


def test_work_items_are_filtered_and_carry_their_facts_in_hours(
    lena, vistula_engagement, deccan_engagement
):
    # given
    src = source(vistula_engagement, kind="jira", name="Jira")
    work_item(
        src,
        1,
        status_category="done",
        done_at=at(5),
        started_at=at(2),
        cycle_time=at(5) - at(2),
        lead_time=at(5) - at(1),
    )
    work_item(src, 2, status_category="todo")
    work_item(source(deccan_engagement), 3, status_category="done")

    # when
    rows = _results(
        logged_in(lena).get(
            f"/api/v1/work-items/?engagement={vistula_engagement.slug}&category=done"
        )
    )

    # then
    assert [(r["key"], r["cycle_time_hours"], r["lead_time_hours"]) for r in rows] == [
        ("PAY-1", 72.0, 96.0)
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("category=later", "category"),
        ("done_from=yesterday", "done_from"),
        ("source=abc", "source"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(victor, query, field):
    # when
    response = logged_in(victor).get(f"/api/v1/work-items/?{query}")

    # then
    assert response.status_code == 400
    assert field in response.json()


def test_pull_requests_deployments_and_incidents_are_listed_with_their_times(
    victor, vistula_engagement
):
    # given
    src = source(vistula_engagement)
    pull_request(src, 1, first_review_at=at(2, 12), merged_at=at(3))
    deployment(src, 1)
    deployment(src, 2, environment="staging", is_production=False)
    incident(src, 1, resolved_at=at(4, 15))
    client = logged_in(victor)

    # when
    prs = _results(client.get("/api/v1/pull-requests/"))
    production = _results(client.get("/api/v1/deployments/?production=true"))
    incidents = _results(client.get("/api/v1/incidents/?open=false"))

    # then
    assert (prs[0]["pickup_hours"], prs[0]["time_to_merge_hours"]) == (3.0, 24.0)
    assert [d["environment"] for d in production] == ["production"]
    assert incidents[0]["time_to_restore_hours"] == 6.0


def test_the_schema_describes_the_delivery_endpoints_and_is_valid():
    # when
    schema = SchemaGenerator().get_schema(request=None, public=True)

    # then
    validate_schema(schema)
    paths = schema["paths"]
    for path in (
        "/api/v1/data-sources/",
        "/api/v1/sync-runs/",
        "/api/v1/work-items/",
        "/api/v1/pull-requests/",
        "/api/v1/deployments/",
        "/api/v1/incidents/",
    ):
        assert "get" in paths[path]
    sync = paths["/api/v1/data-sources/{id}/sync/"]["post"]
    assert "202" in sync["responses"]
    upload = paths["/api/v1/data-sources/{id}/import/"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    source_schema = schema["components"]["schemas"]["DataSource"]["properties"]
    assert "token" not in source_schema
    assert schema["components"]["schemas"]["DataSourceRequest"]["properties"]["token"]["writeOnly"]


def test_an_empty_token_removes_the_stored_one_and_an_omitted_token_keeps_it(
    mark, vistula_engagement
):
    # given
    src = source(vistula_engagement, token=SECRET_TOKEN)
    client = logged_in(mark)
    url = f"/api/v1/data-sources/{src.pk}/"

    # when
    kept = client.patch(url, {"name": "Renamed"}, content_type="application/json")
    src.refresh_from_db()
    token_after_rename = src.token
    cleared = client.patch(url, {"token": ""}, content_type="application/json")

    # then
    src.refresh_from_db()
    assert (kept.status_code, cleared.status_code) == (200, 200)
    assert token_after_rename == SECRET_TOKEN
    assert src.token == "" and cleared.json()["token_hint"] == ""


def test_patching_a_trello_mapping_keeps_the_categories_guessed_from_list_names(
    mark, vistula_engagement
):
    # given a board with a "Done" list (guessed) and a "Parking lot" list (unmapped)
    from accord.delivery.connectors.trello.mapping import default_category
    from accord.delivery.models import SourceStatus
    from accord.delivery.statuses import resolve_statuses

    src = source(vistula_engagement, kind="trello", name="Trello")
    work_item(src, 1, status="Done", status_id="list-done")
    work_item(src, 2, status="Parking lot", status_id="list-park")
    resolve_statuses(data_source=src, guess=default_category)

    # when
    response = logged_in(mark).patch(
        f"/api/v1/data-sources/{src.pk}/",
        {"status_mapping": {"Parking lot": "cancelled"}},
        content_type="application/json",
    )

    # then
    assert response.status_code == 200
    resolved = dict(SourceStatus.objects.filter(data_source=src).values_list("name", "resolution"))
    assert resolved == {"Done": "list_name", "Parking lot": "mapping"}
