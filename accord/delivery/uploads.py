"""Uploaded import files staged on disk for `import_path`: a single JSON or CSV file, or a .zip
of pages (Jira, GitHub) extracted safely — size limits, no absolute paths, no `..`, no links.

The web upload and the API both stage through here, so both accept exactly what the CLI does.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

if TYPE_CHECKING:
    from accord.accounts.models import User
    from accord.delivery.models import DataSource, SyncRun

# What each kind takes from an upload; git reads a repository on the server instead.
ACCEPTED: dict[str, tuple[str, ...]] = {
    "jira": (".json", ".csv", ".zip"),
    "github": (".json", ".zip"),
    "trello": (".json",),
    "csv": (".csv",),
}
MEMBER_SUFFIXES = (".json", ".csv")
MAX_MEMBERS = 5000
# An archive may expand to this many times the upload limit (JSON compresses about 10:1).
EXPANSION = 10
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class UploadRefused(Exception):
    """An upload Accord will not import; the message is one sentence naming the file."""


def accepted_suffixes(kind: str) -> tuple[str, ...]:
    """The file name endings an upload for `kind` may have; empty if uploads are not taken."""
    return ACCEPTED.get(kind, ())


def _limit() -> int:
    return int(settings.MAX_UPLOAD_MB) * 1024 * 1024


def safe_name(name: str) -> str:
    """A file name with no folders and only plain characters, keeping the extension."""
    base = os.path.basename(name.replace("\\", "/")) or "upload"
    cleaned = _SAFE_NAME.sub("_", base).strip("._") or "upload"
    return cleaned[:120]


@contextmanager
def staged_upload(upload: UploadedFile, *, kind: str) -> Iterator[Path]:
    """Write the upload to a private temporary folder and yield the path to import.

    A .zip yields the folder its pages were extracted into; anything else yields the file.
    The folder is removed afterwards, whatever happens."""
    name = upload.name or "upload"
    suffix = os.path.splitext(name)[1].lower()
    allowed = accepted_suffixes(kind)
    if not allowed:
        raise UploadRefused(f"{kind} sources are not imported by upload.")
    if suffix not in allowed:
        raise UploadRefused(
            f"“{name}” is not a file this source imports; upload one of {', '.join(allowed)}."
        )
    if upload.size is not None and upload.size > _limit():
        raise UploadRefused(
            f"“{name}” is {upload.size / 1024 / 1024:.1f} MB; the limit is "
            f"{settings.MAX_UPLOAD_MB} MB."
        )
    folder = Path(tempfile.mkdtemp(prefix="accord-import-"))
    try:
        target = folder / safe_name(name)
        with target.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        if suffix != ".zip":
            yield target
            return
        pages = folder / "pages"
        pages.mkdir()
        _extract(target, pages, label=name)
        yield pages
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _member_path(info: zipfile.ZipInfo, label: str) -> PurePosixPath | None:
    """The member's relative path, None for folders; refuses anything that could escape."""
    raw = info.filename.replace("\\", "/")
    if raw.endswith("/"):
        return None
    path = PurePosixPath(raw)
    if path.is_absolute() or ".." in path.parts or ":" in path.parts[0]:
        raise UploadRefused(f"“{label}” holds “{info.filename}”, a path outside the archive.")
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise UploadRefused(f"“{label}” holds “{info.filename}”, a link; only files are taken.")
    return path


def _extract(archive: Path, into: Path, *, label: str) -> None:
    """Extract the .json and .csv members of a zip into `into`, within the size limits."""
    try:
        bundle = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError):
        raise UploadRefused(f"“{label}” is not a readable .zip archive.") from None
    budget = _limit() * EXPANSION
    written = 0
    kept = 0
    with bundle:
        members = bundle.infolist()
        if len(members) > MAX_MEMBERS:
            raise UploadRefused(
                f"“{label}” holds {len(members)} files; the limit is {MAX_MEMBERS}."
            )
        for info in members:
            relative = _member_path(info, label)
            if relative is None or relative.name.startswith("."):
                continue
            if relative.suffix.lower() not in MEMBER_SUFFIXES:
                continue
            if written + info.file_size > budget:
                raise UploadRefused(
                    f"“{label}” expands to more than {budget // 1024 // 1024} MB; "
                    "upload it in smaller archives."
                )
            destination = into.joinpath(*relative.parts)
            destination.parent.mkdir(parents=True, exist_ok=True)
            try:
                with bundle.open(info) as source, destination.open("wb") as out:
                    # Count what is really written: a member's declared size can lie.
                    while chunk := source.read(1024 * 1024):
                        written += len(chunk)
                        if written > budget:
                            raise UploadRefused(
                                f"“{label}” expands to more than {budget // 1024 // 1024} MB; "
                                "upload it in smaller archives."
                            )
                        out.write(chunk)
            except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError):
                raise UploadRefused(f"“{label}”: “{info.filename}” cannot be read.") from None
            kept += 1
    if kept == 0:
        raise UploadRefused(f"“{label}” holds no .json or .csv file to import.")


def import_upload(
    *,
    data_source: DataSource,
    upload: UploadedFile,
    requested_by: User | None,
    options: dict[str, Any] | None = None,
) -> SyncRun:
    """Stage an uploaded file and import it exactly as `accord import` would, as one run.

    Raises UploadRefused before anything is written when the upload itself is unacceptable;
    a file the connector cannot read ends as a failed run with its one-sentence error."""
    from accord.delivery.actions.sources import import_path
    from accord.delivery.connectors import supports

    if not supports(data_source.kind, "importer"):
        raise UploadRefused(
            f"{data_source.get_kind_display()} sources cannot import files in this version."
        )
    with staged_upload(upload, kind=data_source.kind) as path:
        return import_path(
            data_source=data_source, path=path, options=options, requested_by=requested_by
        )
