"""Engagement pages: list, detail, history, and the forms that change an engagement and its parts.

Every view asks the policy twice, in this order: may the user know the object exists (the
`visible_*` querysets, 404 otherwise), then may they do this to it (`policy.require`, 403).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST, require_safe

from accord.accounts import policy
from accord.accounts.models import User
from accord.accounts.policy import Perm
from accord.audit.presenters import present_events
from accord.engagements import actions, queries
from accord.engagements.forms import (
    ContactForm,
    DocumentForm,
    DocumentVisibilityForm,
    EngagementFilterForm,
    EngagementForm,
    NoteForm,
)
from accord.engagements.models import Engagement, Visibility
from accord.lib.forms import apply_validation_error
from accord.lib.uploads import content_type_for

PAGE_SIZE = 25
HISTORY_ON_DETAIL = 5


def _actor(request: HttpRequest) -> User:
    """The logged-in user (every view here is behind login_required)."""
    assert isinstance(request.user, User)
    return request.user


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _detail_url(engagement: Engagement, section: str = "") -> str:
    url = reverse("engagements:detail", args=[engagement.slug])
    return f"{url}#{section}" if section else url


# --- List, detail, history ------------------------------------------------------------------


@login_required
@require_safe
def engagement_list(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, Perm.VIEW_ENGAGEMENT)
    filter_form = EngagementFilterForm(request.GET or None, user=request.user)
    filters = filter_form.filters()
    engagements = queries.engagements_for(request.user, **filters)
    page = Paginator(engagements, PAGE_SIZE).get_page(request.GET.get("page"))
    kept = {k: str(v) for k, v in request.GET.items() if k in filter_form.fields and v}
    return render(
        request,
        "engagements/engagement_list.html",
        {
            "page_obj": page,
            "filter_form": filter_form,
            "filtered": any(filters.values()),
            "query": urlencode(kept),
            "may_add": policy.can(request.user, Perm.ADD_ENGAGEMENT),
            "is_client": policy.is_client(request.user),
        },
    )


def _notes_context(request: HttpRequest, engagement: Engagement, note_form: Any) -> dict[str, Any]:
    user = request.user
    may_comment = policy.can(user, Perm.COMMENT_ENGAGEMENT, engagement)
    return {
        "engagement": engagement,
        "notes": list(queries.notes_for(user, engagement)),
        "note_form": note_form
        if note_form is not None
        else (NoteForm(user=user) if may_comment else None),
        "may_comment": may_comment,
        "may_change": policy.can(user, Perm.CHANGE_ENGAGEMENT, engagement),
        "sees_internal": policy.can(user, Perm.VIEW_INTERNAL),
    }


def _render_detail(
    request: HttpRequest,
    engagement: Engagement,
    *,
    note_form: NoteForm | None = None,
    document_form: DocumentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    may_change = policy.can(user, Perm.CHANGE_ENGAGEMENT, engagement)
    may_see_history = policy.can(user, Perm.VIEW_AUDIT)
    history = queries.history_for(user, engagement)
    context = {
        **_notes_context(request, engagement, note_form),
        "contacts": queries.contacts_by_side(engagement),
        "documents": list(queries.documents_for(user, engagement)),
        "document_form": document_form or (DocumentForm() if may_change else None),
        "may_delete": policy.can(user, Perm.DELETE_ENGAGEMENT, engagement),
        "may_see_history": may_see_history,
        "history": (
            present_events(history[:HISTORY_ON_DETAIL], user=user) if may_see_history else []
        ),
        "history_count": history.count() if may_see_history else 0,
    }
    return render(request, "engagements/engagement_detail.html", context, status=status)


@login_required
@require_safe
def engagement_detail(request: HttpRequest, slug: str) -> HttpResponse:
    engagement = queries.engagement_for(request.user, slug)
    policy.require(request.user, Perm.VIEW_ENGAGEMENT, engagement)
    return _render_detail(request, engagement)


@login_required
@require_safe
def engagement_history(request: HttpRequest, slug: str) -> HttpResponse:
    engagement = queries.engagement_for(request.user, slug)
    policy.require(request.user, Perm.VIEW_AUDIT)
    page = Paginator(queries.history_for(request.user, engagement), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "engagements/engagement_history.html",
        {
            "engagement": engagement,
            "page_obj": page,
            "events": present_events(page.object_list, user=request.user),
        },
    )


# --- Create, edit, delete -------------------------------------------------------------------


@login_required
def engagement_create(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, Perm.ADD_ENGAGEMENT)
    form = EngagementForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            engagement = actions.create_engagement(
                actor=_actor(request), name=data.pop("name"), vendor=data.pop("vendor"), **data
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"“{engagement.name}” was created.")
            return redirect(_detail_url(engagement))
    status = 400 if request.method == "POST" else 200
    return render(request, "engagements/engagement_form.html", {"form": form}, status=status)


@login_required
def engagement_edit(request: HttpRequest, slug: str) -> HttpResponse:
    engagement = queries.engagement_for(request.user, slug)
    policy.require(request.user, Perm.CHANGE_ENGAGEMENT, engagement)
    form = EngagementForm(request.POST or None, instance=engagement, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_engagement(
                actor=_actor(request), engagement=engagement, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"“{engagement.name}” was saved.")
            return redirect(_detail_url(engagement))
    # Validation changes the instance in place; show the stored values around the form.
    engagement.refresh_from_db()
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "engagements/engagement_form.html",
        {
            "form": form,
            "engagement": engagement,
            "may_delete": policy.can(request.user, Perm.DELETE_ENGAGEMENT, engagement),
        },
        status=status,
    )


@login_required
@require_POST
def engagement_delete(request: HttpRequest, slug: str) -> HttpResponse:
    engagement = queries.engagement_for(request.user, slug)
    policy.require(request.user, Perm.DELETE_ENGAGEMENT, engagement)
    try:
        actions.delete_engagement(actor=_actor(request), engagement=engagement)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(_detail_url(engagement))
    messages.success(request, f"“{engagement.name}” was deleted.")
    return redirect("engagements:list")


# --- Contacts -------------------------------------------------------------------------------


def _contact_form_page(
    request: HttpRequest, engagement: Engagement, form: ContactForm, *, editing: bool
) -> HttpResponse:
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "engagements/contact_form.html",
        {"engagement": engagement, "form": form, "editing": editing},
        status=status,
    )


@login_required
def contact_add(request: HttpRequest, slug: str) -> HttpResponse:
    engagement = queries.engagement_for(request.user, slug)
    policy.require(request.user, Perm.CHANGE_ENGAGEMENT, engagement)
    # The detail page links here once per side, so the side comes preselected.
    form = ContactForm(request.POST or None, initial={"side": request.GET.get("side", "")})
    if request.method == "POST" and form.is_valid():
        try:
            contact = actions.add_contact(
                actor=_actor(request), engagement=engagement, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"{contact.name} was added to the contacts.")
            return redirect(_detail_url(engagement, "contacts"))
    return _contact_form_page(request, engagement, form, editing=False)


@login_required
def contact_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    engagement = queries.engagement_for(request.user, slug)
    contact = get_object_or_404(engagement.contacts, pk=pk)
    policy.require(request.user, Perm.CHANGE_ENGAGEMENT, engagement)
    form = ContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_contact(actor=_actor(request), contact=contact, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"{contact.name}'s details were saved.")
            return redirect(_detail_url(engagement, "contacts"))
    return _contact_form_page(request, engagement, form, editing=True)


@login_required
@require_POST
def contact_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    engagement = queries.engagement_for(request.user, slug)
    contact = get_object_or_404(engagement.contacts, pk=pk)
    policy.require(request.user, Perm.CHANGE_ENGAGEMENT, engagement)
    actions.delete_contact(actor=_actor(request), contact=contact)
    messages.success(request, f"{contact.name} was removed from the contacts.")
    return redirect(_detail_url(engagement, "contacts"))


# --- Notes ----------------------------------------------------------------------------------


@login_required
@require_POST
def note_add(request: HttpRequest, slug: str) -> HttpResponse:
    """Add a note; answers the notes section alone to htmx, or redirects (PRG) otherwise."""
    engagement = queries.engagement_for(request.user, slug)
    policy.require(request.user, Perm.COMMENT_ENGAGEMENT, engagement)
    form = NoteForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            actions.add_note(
                actor=_actor(request),
                engagement=engagement,
                body=form.cleaned_data["body"],
                visibility=form.cleaned_data.get("visibility", Visibility.SHARED),
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            if _is_htmx(request):
                context = _notes_context(request, engagement, None)
                return render(request, "engagements/includes/notes.html", context)
            messages.success(request, "Your note was added.")
            return redirect(_detail_url(engagement, "notes"))
    if _is_htmx(request):
        # htmx swaps only 2xx answers; the form inside carries the error for the reader.
        context = _notes_context(request, engagement, form)
        return render(request, "engagements/includes/notes.html", context)
    return _render_detail(request, engagement, note_form=form, status=400)


@login_required
@require_POST
def note_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    engagement = queries.engagement_for(request.user, slug)
    note = get_object_or_404(queries.notes_for(request.user, engagement), pk=pk)
    policy.require(request.user, Perm.CHANGE_ENGAGEMENT, engagement)
    actions.delete_note(actor=_actor(request), note=note)
    messages.success(request, "The note was deleted.")
    return redirect(_detail_url(engagement, "notes"))


# --- Documents ------------------------------------------------------------------------------


@login_required
@require_POST
def document_upload(request: HttpRequest, slug: str) -> HttpResponse:
    engagement = queries.engagement_for(request.user, slug)
    policy.require(request.user, Perm.CHANGE_ENGAGEMENT, engagement)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            document = actions.add_document(
                actor=_actor(request), engagement=engagement, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"“{document.title}” was uploaded.")
            return redirect(_detail_url(engagement, "documents"))
    return _render_detail(request, engagement, document_form=form, status=400)


@login_required
@require_safe
def document_download(request: HttpRequest, slug: str, pk: int) -> FileResponse:
    engagement = queries.engagement_for(request.user, slug)
    document = get_object_or_404(queries.documents_for(request.user, engagement), pk=pk)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file of this document is missing from storage.") from None
    stored = document.file.name or ""
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=document.original_name or stored.rsplit("/", 1)[-1],
        content_type=content_type_for(stored),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def document_visibility(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    engagement = queries.engagement_for(request.user, slug)
    document = get_object_or_404(queries.documents_for(request.user, engagement), pk=pk)
    policy.require(request.user, Perm.CHANGE_ENGAGEMENT, engagement)
    form = DocumentVisibilityForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose whether the document is internal or shared.")
        return redirect(_detail_url(engagement, "documents"))
    visibility = form.cleaned_data["visibility"]
    actions.update_document(actor=_actor(request), document=document, visibility=visibility)
    if visibility == Visibility.SHARED:
        messages.success(request, f"“{document.title}” is now shared with {engagement.vendor}.")
    else:
        messages.success(request, f"“{document.title}” is now internal.")
    return redirect(_detail_url(engagement, "documents"))


@login_required
@require_POST
def document_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    engagement = queries.engagement_for(request.user, slug)
    document = get_object_or_404(queries.documents_for(request.user, engagement), pk=pk)
    policy.require(request.user, Perm.CHANGE_ENGAGEMENT, engagement)
    actions.delete_document(actor=_actor(request), document=document)
    messages.success(request, f"“{document.title}” was deleted.")
    return redirect(_detail_url(engagement, "documents"))
