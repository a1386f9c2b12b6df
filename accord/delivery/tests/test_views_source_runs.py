"""Running a data source from its pages: sync now, the connection test, file and zip uploads,
reading a git repository on the server, and the sync history — per role."""

from __future__ import annotations

import datetime as dt
import io
import types
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accord.delivery.models import PullRequest, PullRequestReview, SyncRun
from accord.delivery.tests.ui_records import DATA, source, source_url
from accord.delivery.views import sources as source_views
from conftest import logged_in

pytestmark = pytest.mark.django_db

PULLS = Path(DATA) / "github" / "panjf2000-ants-pulls.json"
REVIEWS = Path(DATA) / "github" / "panjf2000-ants-reviews.json"


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def test_sync_now_is_refused_for_a_source_that_only_imports_files(mark, vistula_engagement):
    # given a GitHub source while no GitHub sync is installed
    src = source(vistula_engagement, kind="csv", name="CSV")

    # when
    response = logged_in(mark).post(source_url("source_sync", src), follow=True)

    # then
    assert "are imported from files, not synced" in response.content.decode()
    assert not SyncRun.objects.filter(data_source=src).exists()


def test_sync_now_queues_one_run_for_a_kind_that_syncs(mark, vistula_engagement, monkeypatch):
    # given a connector that offers a sync
    monkeypatch.setattr(source_views, "supports", lambda kind, module: module == "sync")
    src = source(vistula_engagement)
    client = logged_in(mark)

    # when "sync now" is pressed twice
    client.post(source_url("source_sync", src))
    response = client.post(source_url("source_sync", src), follow=True)

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
    assert "Test connection" in client.get(source_url("source_detail", src)).content.decode()

    # when
    response = client.post(source_url("source_test", src), follow=True)

    # then
    assert expected in response.content.decode()


def test_without_check_connection_there_is_no_test_button(mark, vistula_engagement, monkeypatch):
    # given
    monkeypatch.setattr(source_views, "supports", lambda kind, module: module == "client")
    monkeypatch.setattr(source_views, "connector_module", lambda kind, m: types.ModuleType("c"))
    src = source(vistula_engagement)

    # when
    page = logged_in(mark).get(source_url("source_detail", src)).content.decode()

    # then
    assert "Test connection" not in page


def test_uploading_real_github_pulls_imports_them_and_records_the_run(mark, vistula_engagement):
    # given
    src = source(vistula_engagement)
    client = logged_in(mark)

    # when
    response = client.post(
        source_url("source_import", src), {"file": _upload(PULLS.name, PULLS.read_bytes())}
    )

    # then the 50 records are 49 pull requests (#4 is listed twice in the sample)
    run = SyncRun.objects.get(data_source=src)
    assert response.status_code == 302
    assert PullRequest.objects.filter(data_source=src).count() == 49
    assert (run.trigger, run.status, run.requested_by) == ("import", "succeeded", mark)
    assert run.counts["pull_requests"]["created"] == 49
    history = client.get(source_url("source_runs", src)).content.decode()
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
        source_url("source_import", src), {"file": _upload("ants.zip", buffer.getvalue())}
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
    response = logged_in(mark).post(
        source_url("source_import", src), {"file": _upload(name, content)}
    )

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
        source_url("source_import", src), {"file": _upload(PULLS.name, PULLS.read_bytes())}
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
    page = logged_in(victor).get(source_url("source_runs", src)).content.decode()

    # then
    assert "repo x/y is not in scope" in page
    assert "GitHub answered 401." in page
    assert ">7<" in page and "Failed" in page


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
    refused = client.post(source_url("source_read_repository", src), follow=True)
    src.scope = {"path": str(_repository(tmp_path))}
    src.save()

    # when
    response = client.post(source_url("source_read_repository", src), follow=True)

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
    response = logged_in(mark).post(source_url("source_read_repository", src), follow=True)

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
    page = logged_in(mark).get(source_url("source_runs", src)).content.decode()

    # then
    assert "In progress; last page saved at" in page and ">12<" in page
    assert "Interrupted" in page and "bg-orange-lt" in page
