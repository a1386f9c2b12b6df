"""Data source pages: add, edit, write-only credentials, webhook setup, status mapping, rules,
sync, connection test, file upload, history and delete — per role."""

from __future__ import annotations

import datetime as dt
import io
import types
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accord.delivery.models import (
    Category,
    DataSource,
    PullRequest,
    PullRequestReview,
    SourceStatus,
    SyncRun,
    WorkItem,
)
from accord.delivery.tests.ui_records import DATA, SECRET_TOKEN, source, work_item
from accord.delivery.views import sources as source_views
from conftest import logged_in

pytestmark = pytest.mark.django_db

PULLS = Path(DATA) / "github" / "panjf2000-ants-pulls.json"
REVIEWS = Path(DATA) / "github" / "panjf2000-ants-reviews.json"


def _url(name: str, src: DataSource) -> str:
    return reverse(f"delivery:{name}", args=[src.engagement.slug, src.pk])


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


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
    page = client.get(_url("source_detail", src)).content.decode()
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
        _url("source_edit", src),
        {"name": "GitHub", "repos": "acme/payments", "token": SECRET_TOKEN},
    )
    src.refresh_from_db()
    assert src.token == SECRET_TOKEN

    # when every page that shows the source or its history is read, by a manager and an admin
    pages = [
        client.get(_url(name, src)).content.decode()
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
    response = logged_in(mark).post(_url("source_edit", src), {"name": "Renamed", "repos": ""})

    # then
    src.refresh_from_db()
    assert response.status_code == 302
    assert (src.name, src.token) == ("Renamed", SECRET_TOKEN)


def test_a_manager_can_remove_the_stored_token(mark, vistula_engagement):
    # given
    src = source(vistula_engagement, token=SECRET_TOKEN)

    # when
    logged_in(mark).post(_url("source_edit", src), {"name": "GitHub", "clear_token": "on"})

    # then
    src.refresh_from_db()
    assert src.token == ""


def test_a_bad_repository_name_is_refused_with_the_reason(mark, vistula_engagement):
    # given
    src = source(vistula_engagement)

    # when
    response = logged_in(mark).post(
        _url("source_edit", src), {"name": "GitHub", "repos": "just-a-name"}
    )

    # then
    assert response.status_code == 400
    assert "“just-a-name” is not owner/name" in response.content.decode()


def test_a_viewer_reads_the_source_but_sees_no_secret_and_no_buttons(victor, vistula_engagement):
    # given
    src = source(vistula_engagement, token=SECRET_TOKEN)

    # when
    response = logged_in(victor).get(_url("source_detail", src))

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
    detail = client.get(_url("source_detail", src))
    listing = client.get(reverse("delivery:source_list", args=[src.engagement.slug]))

    # then
    assert (detail.status_code, listing.status_code) == (status, status)
    if status == 200:
        assert src.webhook_secret not in detail.content.decode()


def test_vendor_users_may_not_change_their_own_vendors_source(lena, vistula_engagement):
    # given
    src = source(vistula_engagement)

    # when
    response = logged_in(lena).post(_url("source_edit", src), {"name": "Mine now"})

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
    page = client.get(_url("source_detail", src)).content.decode()
    assert page.count('data-unmapped="true"') == 1
    assert "1 unmapped" in page

    # when the manager maps it to in progress and marks it active
    response = client.post(
        _url("source_statuses", src),
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
    assert 'data-unmapped="true"' not in client.get(_url("source_detail", src)).content.decode()


def test_an_unknown_category_is_refused(mark, vistula_engagement):
    # given
    src = source(vistula_engagement, kind="jira", name="Jira")
    status = SourceStatus.objects.create(data_source=src, external_id="1", name="Open")

    # when
    response = logged_in(mark).post(_url("source_statuses", src), {f"category_{status.pk}": "x"})

    # then
    src.refresh_from_db()
    assert response.status_code == 400
    assert src.status_mapping == {}


def test_incident_and_deployment_rules_are_saved_for_github(mark, vistula_engagement):
    # given
    src = source(vistula_engagement, incident_rule={"labels": ["old"]})

    # when
    response = logged_in(mark).post(
        _url("source_rules", src),
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


def test_sync_now_is_refused_for_a_source_that_only_imports_files(mark, vistula_engagement):
    # given a GitHub source while no GitHub sync is installed
    src = source(vistula_engagement, kind="csv", name="CSV")

    # when
    response = logged_in(mark).post(_url("source_sync", src), follow=True)

    # then
    assert "are imported from files, not synced" in response.content.decode()
    assert not SyncRun.objects.filter(data_source=src).exists()


def test_sync_now_queues_one_run_for_a_kind_that_syncs(mark, vistula_engagement, monkeypatch):
    # given a connector that offers a sync
    monkeypatch.setattr(source_views, "supports", lambda kind, module: module == "sync")
    src = source(vistula_engagement)
    client = logged_in(mark)

    # when "sync now" is pressed twice
    client.post(_url("source_sync", src))
    response = client.post(_url("source_sync", src), follow=True)

    # then one run is queued, and the page says so
    runs = SyncRun.objects.filter(data_source=src)
    assert [(r.trigger, r.status, r.requested_by) for r in runs] == [("sync", "queued", mark)]
    assert f"run {runs[0].pk}" in response.content.decode()


def _fake_client(check: Any) -> types.ModuleType:
    module = types.ModuleType("fake_client")
    module.check_connection = check  # type: ignore[attr-defined]
    return module


@pytest.mark.parametrize(
    ("check", "expected"),
    [
        (lambda source: "Connected to acme as octocat.", "Connected to acme as octocat."),
        (
            lambda source: (_ for _ in ()).throw(RuntimeError("The token was refused (401).")),
            "The connection test failed: The token was refused (401).",
        ),
    ],
)
def test_test_connection_shows_the_connectors_one_sentence(
    mark, vistula_engagement, monkeypatch, check, expected
):
    # given a connector whose client offers check_connection
    monkeypatch.setattr(source_views, "supports", lambda kind, module: module == "client")
    monkeypatch.setattr(source_views, "connector_module", lambda kind, m: _fake_client(check))
    src = source(vistula_engagement)
    client = logged_in(mark)
    assert "Test connection" in client.get(_url("source_detail", src)).content.decode()

    # when
    response = client.post(_url("source_test", src), follow=True)

    # then
    assert expected in response.content.decode()


def test_without_check_connection_there_is_no_test_button(mark, vistula_engagement, monkeypatch):
    # given
    monkeypatch.setattr(source_views, "supports", lambda kind, module: module == "client")
    monkeypatch.setattr(source_views, "connector_module", lambda kind, m: types.ModuleType("c"))
    src = source(vistula_engagement)

    # when
    page = logged_in(mark).get(_url("source_detail", src)).content.decode()

    # then
    assert "Test connection" not in page


def test_uploading_real_github_pulls_imports_them_and_records_the_run(mark, vistula_engagement):
    # given
    src = source(vistula_engagement)
    client = logged_in(mark)

    # when
    response = client.post(
        _url("source_import", src), {"file": _upload(PULLS.name, PULLS.read_bytes())}
    )

    # then the 50 records are 49 pull requests (#4 is listed twice in the sample)
    run = SyncRun.objects.get(data_source=src)
    assert response.status_code == 302
    assert PullRequest.objects.filter(data_source=src).count() == 49
    assert (run.trigger, run.status, run.requested_by) == ("import", "succeeded", mark)
    assert run.counts["pull_requests"]["created"] == 49
    history = client.get(_url("source_runs", src)).content.decode()
    assert "File import" in history and "Succeeded" in history


def test_a_zip_of_pages_is_imported_like_a_folder(mark, vistula_engagement):
    # given a zip with the pulls and their reviews in a subfolder
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        bundle.writestr("pages/pulls.json", PULLS.read_bytes())
        bundle.writestr("pages/reviews.json", REVIEWS.read_bytes())
        bundle.writestr("README.txt", b"ignored")
    src = source(vistula_engagement)

    # when
    response = logged_in(mark).post(
        _url("source_import", src), {"file": _upload("ants.zip", buffer.getvalue())}
    )

    # then
    assert response.status_code == 302
    assert PullRequest.objects.filter(data_source=src).count() == 49
    assert PullRequestReview.objects.filter(data_source=src).exists()


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        for name, content in entries.items():
            bundle.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("pulls.json", PULLS.read_bytes()[:5000], "pulls.json"),
        ("pulls.txt", b"[]", "“pulls.txt” is not a file this source imports"),
        ("pages.zip", b"not a zip at all", "“pages.zip” is not a readable .zip archive."),
        (
            "evil.zip",
            _zip({"../../outside.json": b"[]"}),
            "“evil.zip” holds “../../outside.json”, a path outside the archive.",
        ),
        ("empty.zip", _zip({"notes.md": b"x"}), "“empty.zip” holds no .json or .csv file"),
    ],
)
def test_a_malformed_upload_gives_one_clear_message_and_writes_nothing(
    mark, vistula_engagement, name, content, message
):
    # given a source that already holds one pull request
    src = source(vistula_engagement)
    PullRequest.objects.create(
        data_source=src,
        external_id="x",
        repo="a/b",
        number=1,
        title="t",
        state="open",
        created_at="2026-03-01T00:00:00Z",
    )

    # when
    response = logged_in(mark).post(_url("source_import", src), {"file": _upload(name, content)})

    # then one alert names the problem, and nothing was added
    page = response.content.decode()
    assert response.status_code == 400
    assert page.count('data-testid="import-error"') == 1
    assert message in page and "Nothing was imported." in page
    assert PullRequest.objects.filter(data_source=src).count() == 1


def test_vendor_users_may_not_upload(lena, vistula_engagement):
    # given
    src = source(vistula_engagement)

    # when
    response = logged_in(lena).post(
        _url("source_import", src), {"file": _upload(PULLS.name, PULLS.read_bytes())}
    )

    # then
    assert response.status_code == 403
    assert not PullRequest.objects.exists()


def test_sync_history_shows_status_counts_skipped_reasons_and_errors(victor, vistula_engagement):
    # given
    src = source(vistula_engagement)
    SyncRun.objects.create(
        data_source=src,
        trigger="import",
        status="succeeded",
        counts={"pull_requests": {"created": 7, "updated": 2, "unchanged": 1, "skipped": 1}},
        skipped=[{"kind": "pull_requests", "record": "#9", "reason": "repo x/y is not in scope"}],
    )
    SyncRun.objects.create(
        data_source=src, trigger="sync", status="failed", error="GitHub answered 401."
    )

    # when
    page = logged_in(victor).get(_url("source_runs", src)).content.decode()

    # then
    assert "repo x/y is not in scope" in page
    assert "GitHub answered 401." in page
    assert ">7<" in page and "Failed" in page


def test_deleting_a_source_asks_first_then_removes_it_with_its_records(mark, vistula_engagement):
    # given
    src = source(vistula_engagement)
    work_item(src, 1)
    client = logged_in(mark)

    # when
    confirm = client.get(_url("source_delete", src))
    response = client.post(_url("source_delete", src))

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
    logged_in(mark).post(_url("source_statuses", src), {f"category_{parked.pk}": "cancelled"})

    # then both are resolved: one by the mapping, the other still by its name
    resolved = dict(SourceStatus.objects.filter(data_source=src).values_list("name", "resolution"))
    assert resolved == {"Done": "list_name", "Parking lot": "mapping"}


def test_a_manager_replaces_the_webhook_secret_without_it_being_echoed(mark, vistula_engagement):
    # given
    src = source(vistula_engagement, kind="trello", name="Trello")
    new_secret = "trello-app-secret-0123456789abcdef"

    # when
    response = logged_in(mark).post(
        _url("source_edit", src),
        {"name": "Trello", "board_id": "5f0c", "new_webhook_secret": new_secret},
    )

    # then
    src.refresh_from_db()
    assert response.status_code == 302
    assert src.webhook_secret == new_secret
    assert src.scope == {"board_id": "5f0c"}
    form = logged_in(mark).get(_url("source_edit", src)).content.decode()
    assert new_secret not in form


def _repository(folder: Path) -> Path:
    import subprocess

    env = {
        "GIT_AUTHOR_NAME": "Ada",
        "GIT_AUTHOR_EMAIL": "ada@acme.invalid",
        "GIT_COMMITTER_NAME": "Ada",
        "GIT_COMMITTER_EMAIL": "ada@acme.invalid",
        "HOME": str(folder),
        "PATH": "/usr/bin:/bin",
    }
    repo = folder / "payments"
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True, env=env)
    for n in (1, 2):
        (repo / f"file{n}.txt").write_text("line\n" * n)
        subprocess.run(["git", "-C", str(repo), "add", "."], check=True, env=env)
        subprocess.run(
            ["git", "-C", str(repo), "commit", "-q", "-m", f"Change {n}"], check=True, env=env
        )
    return repo


def test_a_git_source_is_read_from_its_repository_path_on_the_server(
    mark, vistula_engagement, tmp_path
):
    # given a git source pointing at a repository with two commits
    from accord.delivery.models import Commit

    src = source(vistula_engagement, kind="git", name="git", scope={"path": ""})
    client = logged_in(mark)
    refused = client.post(_url("source_read_repository", src), follow=True)
    src.scope = {"path": str(_repository(tmp_path))}
    src.save()

    # when
    response = client.post(_url("source_read_repository", src), follow=True)

    # then
    assert "Set the repository path on the server first" in refused.content.decode()
    assert "Imported into “git”" in response.content.decode()
    assert sorted(Commit.objects.filter(data_source=src).values_list("summary", flat=True)) == [
        "Change 1",
        "Change 2",
    ]


def test_a_path_that_is_not_a_repository_is_one_clear_error(mark, vistula_engagement, tmp_path):
    # given
    src = source(vistula_engagement, kind="git", name="git", scope={"path": str(tmp_path)})

    # when
    response = logged_in(mark).post(_url("source_read_repository", src), follow=True)

    # then
    page = response.content.decode()
    assert "Nothing was imported." in page
    assert SyncRun.objects.get(data_source=src).status == "failed"


def test_the_sync_history_shows_a_running_sync_s_progress_and_an_interrupted_one(
    mark, vistula_engagement
):
    # given a sync that has saved two pages, and one whose worker died
    src = source(vistula_engagement, kind="jira", name="Jira")
    at = dt.datetime(2026, 3, 1, 9, 30, 15, tzinfo=dt.UTC)
    SyncRun.objects.create(
        data_source=src,
        trigger="sync",
        status="running",
        heartbeat_at=at,
        counts={"work_items": {"created": 12, "updated": 0, "unchanged": 0, "skipped": 0}},
    )
    SyncRun.objects.create(
        data_source=src,
        trigger="sync",
        status="interrupted",
        error="The worker running this sync stopped answering.",
    )

    # when
    page = logged_in(mark).get(_url("source_runs", src)).content.decode()

    # then
    assert "In progress; last page saved at" in page and ">12<" in page
    assert "Interrupted" in page and "bg-orange-lt" in page
