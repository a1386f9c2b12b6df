"""Adding, editing and deleting the pieces of a vendor profile: locations, certificates, case
studies, references, rate-card lines and documents. One set of views serves all six kinds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accord.accounts import policy
from accord.lib.forms import apply_validation_error
from accord.vendors import actions
from accord.vendors.forms import (
    CaseStudyForm,
    CertificationForm,
    DeliveryLocationForm,
    RateCardLineForm,
    ReferenceForm,
    TablerModelForm,
    VendorDocumentForm,
)
from accord.vendors.models import (
    CaseStudy,
    Certification,
    DeliveryLocation,
    RateCardLine,
    Reference,
    Vendor,
    VendorDocument,
)
from accord.vendors.views.common import acting_user, visible_vendor


@dataclass(frozen=True)
class ItemKind:
    """One kind of profile item: its model, its form, and how pages and URLs name it."""

    key: str  # URL names: vendors:<key>_add, _edit, _delete
    segment: str  # URL path segment
    model: type[Model]
    form: type[TablerModelForm]
    noun: str
    section: str  # id of the profile section it is listed in


ITEM_KINDS: dict[str, ItemKind] = {
    kind.key: kind
    for kind in [
        ItemKind("location", "locations", DeliveryLocation, DeliveryLocationForm,
                 "delivery location", "locations"),
        ItemKind("certification", "certifications", Certification, CertificationForm,
                 "certificate", "certifications"),
        ItemKind("case_study", "case-studies", CaseStudy, CaseStudyForm,
                 "case study", "case-studies"),
        ItemKind("reference", "references", Reference, ReferenceForm,
                 "reference or testimonial", "references"),
        ItemKind("rate", "rates", RateCardLine, RateCardLineForm,
                 "rate-card line", "pricing"),
        ItemKind("document", "documents", VendorDocument, VendorDocumentForm,
                 "process document", "documents"),
    ]
}  # fmt: skip


def _kind(name: str) -> ItemKind:
    try:
        return ITEM_KINDS[name]
    except KeyError:
        raise Http404("No such part of a vendor profile.") from None


def _item(vendor: Vendor, kind: ItemKind, pk: int) -> Any:
    # Looked up inside a vendor the user may see, so another vendor's items answer 404.
    return get_object_or_404(kind.model._default_manager.filter(vendor=vendor), pk=pk)


def _back(vendor: Vendor, kind: ItemKind) -> str:
    return reverse("vendors:detail", kwargs={"slug": vendor.slug}) + f"#{kind.section}"


def _render_form(
    request: HttpRequest, vendor: Vendor, kind: ItemKind, form: TablerModelForm, item: Any = None
) -> HttpResponse:
    return render(
        request,
        "vendors/item_form.html",
        {"vendor": vendor, "kind": kind, "form": form, "item": item, "back": _back(vendor, kind)},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def item_add(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    vendor = visible_vendor(request, slug)
    item_kind = _kind(kind)
    policy.require(request.user, policy.Perm.CHANGE_VENDOR, vendor)
    initial = {"currency": vendor.currency} if item_kind.model is RateCardLine else None
    form = item_kind.form(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.add_vendor_item(  # type: ignore[type-var]
                actor=acting_user(request),
                vendor=vendor,
                model=item_kind.model,
                **form.action_fields(),
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"The {item_kind.noun} was added to {vendor.name}.")
            return redirect(_back(vendor, item_kind))
    return _render_form(request, vendor, item_kind, form)


@login_required
def item_edit(request: HttpRequest, slug: str, kind: str, pk: int) -> HttpResponse:
    vendor = visible_vendor(request, slug)
    item_kind = _kind(kind)
    item = _item(vendor, item_kind, pk)
    policy.require(request.user, policy.Perm.CHANGE_VENDOR, vendor)
    form = item_kind.form(request.POST or None, request.FILES or None, instance=item)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_vendor_item(
                actor=acting_user(request), item=item, **form.action_fields()
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"The {item_kind.noun} was updated.")
            return redirect(_back(vendor, item_kind))
    # The form changed the item in memory while validating; the page names what is stored.
    return _render_form(request, vendor, item_kind, form, _item(vendor, item_kind, pk))


@login_required
@require_POST
def item_delete(request: HttpRequest, slug: str, kind: str, pk: int) -> HttpResponse:
    vendor = visible_vendor(request, slug)
    item_kind = _kind(kind)
    item = _item(vendor, item_kind, pk)
    policy.require(request.user, policy.Perm.CHANGE_VENDOR, vendor)
    actions.delete_vendor_item(actor=acting_user(request), item=item)
    messages.success(request, f"The {item_kind.noun} “{item}” was deleted.")
    return redirect(_back(vendor, item_kind))
