"""Evidence downloads: served only to users who may see the vendor, always as attachments."""

from __future__ import annotations

import os

from django.contrib.auth.decorators import login_required
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.text import slugify
from django.views.decorators.http import require_safe

from accord.accounts import policy
from accord.lib.uploads import content_type_for
from accord.vendors import queries


def _attachment(stored: FieldFile, original_name: str, fallback: str) -> FileResponse:
    """The stored file as a download named as it was uploaded, never rendered by the browser."""
    if not stored:
        raise Http404("There is no file here.")
    ext = os.path.splitext(stored.name or "")[1].lower()
    filename = os.path.basename(original_name) or f"{slugify(fallback) or 'evidence'}{ext}"
    try:
        handle = stored.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing from storage.") from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=filename,
        content_type=content_type_for(stored.name or ""),
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Evidence is private: no shared cache may keep a copy.
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_safe
def certification_evidence(request: HttpRequest, slug: str, pk: int) -> FileResponse:
    certification = get_object_or_404(
        queries.visible_certifications(request.user), vendor__slug=slug, pk=pk
    )
    policy.require(request.user, policy.Perm.VIEW_VENDOR, certification.vendor)
    return _attachment(
        certification.evidence,
        certification.evidence_name,
        f"{certification.vendor.slug} {certification.label} evidence",
    )


@login_required
@require_safe
def document_download(request: HttpRequest, slug: str, pk: int) -> FileResponse:
    document = get_object_or_404(
        queries.visible_vendor_documents(request.user), vendor__slug=slug, pk=pk
    )
    policy.require(request.user, policy.Perm.VIEW_VENDOR, document.vendor)
    return _attachment(
        document.file, document.original_name, f"{document.vendor.slug} {document.title}"
    )
