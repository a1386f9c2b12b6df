"""Checks for uploaded evidence: size, extension, and that the bytes are what the name claims."""

from __future__ import annotations

import os
import uuid
from typing import Any

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.deconstruct import deconstructible

# Extension → the MIME types its bytes may have. Text formats have no magic number, so they are
# checked by decoding instead.
BINARY_TYPES: dict[str, set[str]] = {
    ".pdf": {"application/pdf"},
    ".png": {"image/png"},
    ".jpg": {"image/jpeg"},
    ".jpeg": {"image/jpeg"},
    ".docx": {
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/zip",
    },
    ".xlsx": {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/zip",
    },
    ".pptx": {
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/zip",
    },
}
TEXT_TYPES = {".txt": "text/plain", ".md": "text/markdown", ".csv": "text/csv"}
ALLOWED_EXTENSIONS = sorted(set(BINARY_TYPES) | set(TEXT_TYPES))


def content_type_for(name: str) -> str:
    """The MIME type Accord serves a stored file with, from its (validated) extension."""
    ext = os.path.splitext(name)[1].lower()
    if ext in TEXT_TYPES:
        return TEXT_TYPES[ext] + "; charset=utf-8"
    return sorted(BINARY_TYPES.get(ext, {"application/octet-stream"}))[0]


def validate_evidence_file(upload: UploadedFile) -> None:
    """Refuse files that are too large, of a type Accord does not keep, or disguised.

    A file already stored was checked when it was uploaded; it is not read again on later
    edits (which would fail the edit if storage had lost it)."""
    if getattr(upload, "_committed", False):
        return
    name = upload.name or ""
    ext = os.path.splitext(name)[1].lower()
    limit = settings.MAX_UPLOAD_MB * 1024 * 1024
    if upload.size is not None and upload.size > limit:
        raise ValidationError(
            f"“{name}” is {upload.size / 1024 / 1024:.1f} MB; the limit is "
            f"{settings.MAX_UPLOAD_MB} MB."
        )
    if ext not in BINARY_TYPES and ext not in TEXT_TYPES:
        raise ValidationError(
            f"“{name}” is not an accepted type; use one of {', '.join(ALLOWED_EXTENSIONS)}."
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    if ext in TEXT_TYPES:
        if b"\x00" in head or filetype.guess(head) is not None:
            raise ValidationError(f"“{name}” is named as text but its content is not text.")
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            # A multi-byte character cut at the 8 KiB boundary is fine; anything earlier is not.
            if exc.start < len(head) - 4:
                raise ValidationError(f"“{name}” is not UTF-8 text.") from None
        return
    kind = filetype.guess(head)
    if kind is None or kind.mime not in BINARY_TYPES[ext]:
        found = kind.mime if kind else "unrecognised content"
        raise ValidationError(
            f"“{name}” does not contain what its name says ({ext[1:].upper()} expected, "
            f"found {found})."
        )


@deconstructible
class RandomName:
    """Store uploads under a random name inside a folder, keeping only the extension."""

    def __init__(self, folder: str) -> None:
        self.folder = folder

    def __call__(self, instance: Any, filename: str) -> str:
        ext = os.path.splitext(filename)[1].lower()
        return f"{self.folder}/{uuid.uuid4().hex}{ext}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RandomName) and other.folder == self.folder

    def __hash__(self) -> int:
        return hash(self.folder)
