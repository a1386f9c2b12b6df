"""Uploads staged for import: Jira pages in a zip through the web, and the archive limits that
keep a hostile zip from escaping its folder or filling the disk."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accord.delivery.models import SourceStatus, StatusChange, WorkItem
from accord.delivery.tests.ui_records import DATA, source
from accord.delivery.uploads import UploadRefused, staged_upload
from conftest import logged_in

JIRA = Path(DATA) / "jira"


def _zip(entries: dict[str, bytes], *, link: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for name, content in entries.items():
            bundle.writestr(name, content)
        if link:
            info = zipfile.ZipInfo(link)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            bundle.writestr(info, "/etc/passwd")
    return buffer.getvalue()


@pytest.mark.django_db
def test_a_zip_of_real_jira_pages_imports_issues_with_history_and_the_status_list(
    mark, vistula_engagement
):
    # given the board's issues, its changelog pages and the status list in one archive
    entries = {
        "board-8-issues.json": (JIRA / "board-8-issues.json").read_bytes(),
        "statuses.json": (JIRA / "statuses.json").read_bytes(),
    }
    for page in sorted((JIRA / "changelogs").iterdir()):
        entries[f"changelogs/{page.name}"] = page.read_bytes()
    src = source(vistula_engagement, kind="jira", name="Jira")

    # when
    response = logged_in(mark).post(
        reverse("delivery:source_import", args=[vistula_engagement.slug, src.pk]),
        {"file": SimpleUploadedFile("board-8.zip", _zip(entries))},
    )

    # then the 30 issues landed with their history, and the statuses were resolved
    assert response.status_code == 302, response.content.decode()[:500]
    assert WorkItem.objects.filter(data_source=src).count() == 30
    assert StatusChange.objects.filter(data_source=src).exists()
    assert SourceStatus.objects.filter(data_source=src, resolution="status_list").exists()


def _staged(name: str, content: bytes, kind: str = "github") -> list[str]:
    upload = SimpleUploadedFile(name, content)
    with staged_upload(upload, kind=kind) as path:
        return sorted(str(p.relative_to(path)) for p in path.rglob("*") if p.is_file())


def test_pages_keep_their_folders_and_other_files_are_left_out():
    # when
    staged = _staged("pages.zip", _zip({"a/1.json": b"[]", "b/2.csv": b"x", "c.md": b"#"}))

    # then
    assert staged == ["a/1.json", "b/2.csv"]


def test_a_link_inside_an_archive_is_refused():
    # when / then
    with pytest.raises(UploadRefused, match="a link; only files are taken"):
        _staged("links.zip", _zip({"ok.json": b"[]"}, link="pwd.json"))


def test_an_archive_that_expands_past_the_limit_is_refused(settings):
    # given a 1 MB upload limit, so archives may expand to 10 MB
    settings.MAX_UPLOAD_MB = 1
    bomb = _zip({"big.json": b"0" * (11 * 1024 * 1024)})
    assert len(bomb) < 1024 * 1024

    # when / then
    with pytest.raises(UploadRefused, match="expands to more than 10 MB"):
        _staged("bomb.zip", bomb)


def test_an_upload_over_the_size_limit_is_refused_before_it_is_read(settings):
    # given
    settings.MAX_UPLOAD_MB = 1

    # when / then
    with pytest.raises(UploadRefused, match="the limit is 1 MB"):
        _staged("pulls.json", b"[" + b" " * (1024 * 1024 + 10) + b"]")


def test_the_staging_folder_is_removed_afterwards():
    # given
    upload = SimpleUploadedFile("pulls.json", b"[]")

    # when
    with staged_upload(upload, kind="github") as path:
        folder = path.parent

    # then
    assert not folder.exists()


@pytest.mark.parametrize("kind", ["git"])
def test_kinds_read_on_the_server_take_no_upload(kind):
    # when / then
    with pytest.raises(UploadRefused, match="not imported by upload"):
        _staged("repo.zip", b"", kind=kind)
