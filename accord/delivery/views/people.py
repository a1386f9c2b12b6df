"""People seen across sources, their affiliations over time, and the email-domain rules that
affiliate them. The client side reads; only managers and admins change anything."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from accord.accounts import policy
from accord.accounts.policy import Perm
from accord.delivery import queries
from accord.delivery.actions import affiliations as actions
from accord.delivery.forms import AffiliationForm, AffiliationRuleForm, PeopleFilterForm
from accord.delivery.models import Affiliation, AffiliationRule
from accord.delivery.views.common import actor, kept_query
from accord.lib.forms import apply_validation_error

PAGE_SIZE = 50


def _require_reader(request: HttpRequest) -> None:
    # The people list spans every vendor's staff: it does not exist for vendor users.
    if not policy.is_client(request.user):
        raise Http404


@login_required
@require_safe
def people_list(request: HttpRequest) -> HttpResponse:
    _require_reader(request)
    form = PeopleFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    people = queries.people_for(
        request.user,
        search=filters.get("search") or "",
        organization=filters.get("organization"),
    )
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "delivery/people_list.html",
        {
            "page_obj": page,
            "filter_form": form,
            "filtered": any(filters.values()),
            "query": kept_query(request, list(form.fields)),
            "may_manage": policy.can(request.user, Perm.MANAGE_DELIVERY),
        },
    )


def _person_page(
    request: HttpRequest, person_pk: int, form: AffiliationForm | None, status: int = 200
) -> HttpResponse:
    person = queries.person_for(request.user, person_pk)
    may_manage = policy.can(request.user, Perm.MANAGE_DELIVERY)
    return render(
        request,
        "delivery/person_detail.html",
        {
            "person": person,
            "identities": list(person.identities.order_by("source_kind", "id")),
            "affiliations": list(queries.affiliations_of(person)),
            "form": form or (AffiliationForm() if may_manage else None),
            "may_manage": may_manage,
        },
        status=status,
    )


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """GET shows the person; POST adds an affiliation (managers and admins)."""
    _require_reader(request)
    person = queries.person_for(request.user, pk)
    if request.method != "POST":
        return _person_page(request, pk, None)
    policy.require(request.user, Perm.MANAGE_DELIVERY)
    form = AffiliationForm(request.POST)
    if form.is_valid():
        try:
            affiliation = actions.add_affiliation(
                actor=actor(request), person=person, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(
                request, f"{person} now works for {affiliation.organization} in that period."
            )
            return redirect("delivery:person_detail", person.pk)
    return _person_page(request, pk, form, status=400)


def _affiliation(request: HttpRequest, person_pk: int, pk: int) -> Affiliation:
    _require_reader(request)
    person = queries.person_for(request.user, person_pk)
    affiliation = get_object_or_404(
        Affiliation.objects.select_related("organization", "person"), person=person, pk=pk
    )
    policy.require(request.user, Perm.MANAGE_DELIVERY)
    return affiliation


@login_required
def affiliation_edit(request: HttpRequest, person_pk: int, pk: int) -> HttpResponse:
    affiliation = _affiliation(request, person_pk, pk)
    form = AffiliationForm(
        request.POST or None,
        initial={
            "organization": affiliation.organization_id,
            "valid_from": affiliation.valid_from,
            "valid_until": affiliation.valid_until,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_affiliation(
                actor=actor(request), affiliation=affiliation, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"The affiliation of {affiliation.person} was saved.")
            return redirect("delivery:person_detail", person_pk)
    return render(
        request,
        "delivery/affiliation_form.html",
        {"person": affiliation.person, "affiliation": affiliation, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def affiliation_delete(request: HttpRequest, person_pk: int, pk: int) -> HttpResponse:
    affiliation = _affiliation(request, person_pk, pk)
    actions.delete_affiliation(actor=actor(request), affiliation=affiliation)
    messages.success(
        request, f"{affiliation.person}'s affiliation with {affiliation.organization} was removed."
    )
    return redirect("delivery:person_detail", person_pk)


@login_required
def affiliation_rules(request: HttpRequest) -> HttpResponse:
    """GET lists the email-domain rules; POST adds one (managers and admins)."""
    _require_reader(request)
    may_manage = policy.can(request.user, Perm.MANAGE_DELIVERY)
    form = AffiliationRuleForm(request.POST or None) if may_manage else None
    if request.method == "POST":
        policy.require(request.user, Perm.MANAGE_DELIVERY)
        assert form is not None
        if form.is_valid():
            try:
                rule = actions.add_affiliation_rule(actor=actor(request), **form.cleaned_data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(
                    request,
                    f"People with an @{rule.domain} email now work for "
                    f"{rule.organization} unless set by hand.",
                )
                return redirect("delivery:affiliation_rules")
    return render(
        request,
        "delivery/affiliation_rules.html",
        {"rules": list(queries.affiliation_rules()), "form": form, "may_manage": may_manage},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def affiliation_rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _require_reader(request)
    rule = get_object_or_404(AffiliationRule.objects.select_related("organization"), pk=pk)
    policy.require(request.user, Perm.MANAGE_DELIVERY)
    removed = actions.delete_affiliation_rule(actor=actor(request), rule=rule)
    messages.success(
        request,
        f"The rule for @{rule.domain} was removed with the {removed} affiliation(s) it had set.",
    )
    return redirect(reverse("delivery:affiliation_rules"))
