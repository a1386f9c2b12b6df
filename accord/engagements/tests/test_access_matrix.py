"""Every engagement page, for every role, anonymous included: the answer the policy promises.

One test per route and method; inside it, each role's request runs in a savepoint that is rolled
back, so a successful write by one role does not change what the next role finds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from accord.accounts.models import User
from accord.engagements.models import Contact, Document, Engagement, Note
from accord.engagements.tests.conftest import pdf_upload
from conftest import logged_in

ROLES = [
    "anonymous",
    "admin",
    "manager",
    "evaluator",
    "viewer",
    "vendor_lead",
    "vendor_member",
    "other_vendor_lead",
    "other_vendor_member",
]
OK = "ok"  # 200 for a page, 302 (redirect after the write) for a successful POST

# Who may do what, by role (anonymous is always sent to login, so it is not listed).
EVERYONE = {r: OK for r in ROLES[1:]}
VIEW = {**EVERYONE, "other_vendor_lead": 404, "other_vendor_member": 404}
CREATE = {
    "admin": OK,
    "manager": OK,
    "evaluator": 403,
    "viewer": 403,
    "vendor_lead": 403,
    "vendor_member": 403,
    "other_vendor_lead": 403,
    "other_vendor_member": 403,
}
WRITE = {**CREATE, "other_vendor_lead": 404, "other_vendor_member": 404}
COMMENT = {**WRITE, "vendor_lead": OK}
HISTORY = {**VIEW, "evaluator": 403}
INTERNAL_READ = {**VIEW, "vendor_lead": 404, "vendor_member": 404}
INTERNAL_WRITE = {**WRITE, "vendor_lead": 404, "vendor_member": 404}
NOT_ALLOWED = {r: 405 for r in ROLES[1:]}


@pytest.fixture
def world(
    vistula_engagement: Engagement,
    deccan_engagement: Engagement,
    client_contact: Contact,
    shared_note: Note,
    internal_note: Note,
    shared_document: Document,
    internal_document: Document,
    engagement_form_data: dict[str, Any],
    everyone: dict[str, User],
) -> dict[str, Any]:
    return {
        "engagement": vistula_engagement,
        "contact": client_contact,
        "shared_note": shared_note,
        "internal_note": internal_note,
        "shared_document": shared_document,
        "internal_document": internal_document,
        "form": engagement_form_data,
        "users": everyone,
    }


Url = Callable[[dict[str, Any]], str]
Payload = Callable[[dict[str, Any]], dict[str, Any]]


def _on(name: str, key: str | None = None) -> Url:
    def url(w: dict[str, Any]) -> str:
        slug = w["engagement"].slug
        return reverse(f"engagements:{name}", args=[slug, w[key].pk] if key else [slug])

    return url


def _new_engagement(w: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": "Matrix",
        "vendor": w["engagement"].vendor_id,
        "status": "proposed",
        "currency": "EUR",
    }


def _upload(w: dict[str, Any]) -> dict[str, Any]:
    return {"title": "Matrix", "visibility": "shared", "file": pdf_upload()}


def _nothing(w: dict[str, Any]) -> dict[str, Any]:
    return {}


# name, url, who may GET, who may POST, what to POST
ROUTES: list[tuple[str, Url, dict[str, Any], dict[str, Any], Payload]] = [
    ("list", lambda w: reverse("engagements:list"), EVERYONE, NOT_ALLOWED, _nothing),
    ("create", lambda w: reverse("engagements:create"), CREATE, CREATE, _new_engagement),
    ("detail", _on("detail"), VIEW, NOT_ALLOWED, _nothing),
    ("edit", _on("edit"), WRITE, WRITE, lambda w: {**w["form"], "name": "Matrix"}),
    ("delete", _on("delete"), NOT_ALLOWED, WRITE, _nothing),
    ("history", _on("history"), HISTORY, NOT_ALLOWED, _nothing),
    ("contact_add", _on("contact_add"), WRITE, WRITE, lambda w: {"side": "client", "name": "M"}),
    (
        "contact_edit",
        _on("contact_edit", "contact"),
        WRITE,
        WRITE,
        lambda w: {"side": "client", "name": "M"},
    ),
    ("contact_delete", _on("contact_delete", "contact"), NOT_ALLOWED, WRITE, _nothing),
    (
        "note_add",
        _on("note_add"),
        NOT_ALLOWED,
        COMMENT,
        lambda w: {"body": "M", "visibility": "shared"},
    ),
    ("note_delete shared", _on("note_delete", "shared_note"), NOT_ALLOWED, WRITE, _nothing),
    (
        "note_delete internal",
        _on("note_delete", "internal_note"),
        NOT_ALLOWED,
        INTERNAL_WRITE,
        _nothing,
    ),
    ("document_upload", _on("document_upload"), NOT_ALLOWED, WRITE, _upload),
    (
        "document_download shared",
        _on("document_download", "shared_document"),
        VIEW,
        NOT_ALLOWED,
        _nothing,
    ),
    (
        "document_download internal",
        _on("document_download", "internal_document"),
        INTERNAL_READ,
        NOT_ALLOWED,
        _nothing,
    ),
    (
        "document_visibility shared",
        _on("document_visibility", "shared_document"),
        NOT_ALLOWED,
        WRITE,
        lambda w: {"visibility": "internal"},
    ),
    (
        "document_visibility internal",
        _on("document_visibility", "internal_document"),
        NOT_ALLOWED,
        INTERNAL_WRITE,
        lambda w: {"visibility": "shared"},
    ),
    (
        "document_delete shared",
        _on("document_delete", "shared_document"),
        NOT_ALLOWED,
        WRITE,
        _nothing,
    ),
    (
        "document_delete internal",
        _on("document_delete", "internal_document"),
        NOT_ALLOWED,
        INTERNAL_WRITE,
        _nothing,
    ),
]
CASES = [
    pytest.param(route, method, id=f"{route[0]}-{method}")
    for route in ROUTES
    for method in ("GET", "POST")
]


def _expected(allowed: dict[str, Any], method: str) -> dict[str, int]:
    success = 200 if method == "GET" else 302
    answers = {role: (success if outcome == OK else outcome) for role, outcome in allowed.items()}
    return {"anonymous": 302, **answers}


def _ask(client: Client, method: str, url: str, payload: dict[str, Any]) -> Any:
    return client.get(url) if method == "GET" else client.post(url, payload)


@pytest.mark.parametrize(("route", "method"), CASES)
def test_every_role_gets_the_answer_the_policy_promises(
    route: tuple[str, Url, dict[str, Any], dict[str, Any], Payload],
    method: str,
    world: dict[str, Any],
) -> None:
    # given
    _, url, may_get, may_post, payload = route
    target = url(world)

    # when
    answers: dict[str, int] = {}
    for role in ROLES:
        with transaction.atomic():
            client = Client() if role == "anonymous" else logged_in(world["users"][role])
            response = _ask(client, method, target, payload(world))
            answers[role] = response.status_code
            if role == "anonymous":
                assert response["Location"].startswith(reverse("accounts:login"))
            transaction.set_rollback(True)

    # then
    assert answers == _expected(may_get if method == "GET" else may_post, method)
