"""Every vendor URL, for every role, by GET and by POST: the answer each one gets.

The target is always Vistula's profile (or one of its items); "other_vendor" is dev, the lead
at Deccan, who must not learn that Vistula's pages exist.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, reverse

from accord.vendors import urls as vendor_urls
from accord.vendors.tests.conftest import upload
from accord.vendors.tests.test_items import VALID
from conftest import logged_in

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "admin",
    "manager",
    "evaluator",
    "viewer",
    "vendor_lead",
    "vendor_member",
    "other_vendor",
]

# Answers in the order of ROLES.
READ = [302, 200, 200, 200, 200, 200, 200, 404]
READ_LIST = [302, 200, 200, 200, 200, 200, 200, 200]  # everyone sees a list (their own vendor)
WRITE_OK = [302, 302, 302, 403, 403, 403, 403, 404]  # POST: managers redirect after saving
FORM = [302, 200, 200, 403, 403, 403, 403, 404]
ADD_FORM = [302, 200, 200, 403, 403, 403, 403, 403]  # no vendor yet, so nothing to hide
ADD_POST = [302, 302, 302, 403, 403, 403, 403, 403]
NOT_ALLOWED = [302, 405, 405, 405, 405, 405, 405, 405]

ITEM_KEYS = ["location", "certification", "case_study", "reference", "rate", "document"]

EXPECTED: dict[str, dict[str, list[int]]] = {
    "list": {"GET": READ_LIST, "POST": NOT_ALLOWED},
    "add": {"GET": ADD_FORM, "POST": ADD_POST},
    "detail": {"GET": READ, "POST": NOT_ALLOWED},
    "edit": {"GET": FORM, "POST": WRITE_OK},
    "delete": {"GET": NOT_ALLOWED, "POST": WRITE_OK},
    "certification_evidence": {"GET": READ, "POST": NOT_ALLOWED},
    "document_download": {"GET": READ, "POST": NOT_ALLOWED},
    **{f"{key}_add": {"GET": FORM, "POST": WRITE_OK} for key in ITEM_KEYS},
    **{f"{key}_edit": {"GET": FORM, "POST": WRITE_OK} for key in ITEM_KEYS},
    **{f"{key}_delete": {"GET": NOT_ALLOWED, "POST": WRITE_OK} for key in ITEM_KEYS},
}

CASES = [
    pytest.param(name, method, id=f"{name}-{method}")
    for name, methods in EXPECTED.items()
    for method in methods
]


def test_the_matrix_covers_every_vendor_url():
    names = {p.name for p in vendor_urls.urlpatterns if isinstance(p, URLPattern)}
    assert names == set(EXPECTED)


def _target(name: str, vistula_profile: Any) -> str:
    """The URL of `name` for Vistula, or for its first item of the right kind."""
    slug = vistula_profile.slug
    if name in ("list", "add"):
        return reverse(f"vendors:{name}")
    if name in ("detail", "edit", "delete"):
        return reverse(f"vendors:{name}", args=[slug])
    if name == "certification_evidence":
        return reverse(f"vendors:{name}", args=[slug, vistula_profile.certifications.get().pk])
    if name == "document_download":
        return reverse(f"vendors:{name}", args=[slug, vistula_profile.documents.get().pk])
    key, action = name.rsplit("_", 1)
    if action == "add":
        return reverse(f"vendors:{name}", args=[slug])
    related = {
        "location": "locations",
        "certification": "certifications",
        "case_study": "case_studies",
        "reference": "references",
        "rate": "rate_card",
        "document": "documents",
    }[key]
    return reverse(f"vendors:{name}", args=[slug, getattr(vistula_profile, related).get().pk])


def _valid_post(name: str) -> dict[str, Any]:
    """Data a manager's POST to `name` would be accepted with."""
    if name in ("add", "edit"):
        return {"name": "Matrix Vendor" if name == "add" else "Vistula Software House",
                "currency": "EUR"}  # fmt: skip
    key = name.rsplit("_", 1)[0]
    if name.endswith(("_add", "_edit")) and key in VALID:
        return dict(VALID[key][1])
    if name.endswith(("_add", "_edit")) and key == "document":
        return {"kind": "sdlc", "title": "SDLC", "version": "2"}
    return {}


def _request(client: Client, method: str, name: str, url: str) -> int:
    if method == "GET":
        return client.get(url).status_code
    data = _valid_post(name)
    if name == "document_add":
        data["file"] = upload("sdlc.pdf")
    return client.post(url, data).status_code


@pytest.mark.parametrize(("name", "method"), CASES)
def test_each_role_gets_the_expected_answer(everyone, dev, vistula_profile, name, method):
    # given a client per role, and Vistula's page or item as the target
    clients = {
        role: Client()
        if role == "anonymous"
        else logged_in(dev if role == "other_vendor" else everyone[role])
        for role in ROLES
    }
    url = _target(name, vistula_profile)
    # when each role asks, each request's changes undone before the next one
    answers = {}
    for role, client in clients.items():
        with transaction.atomic():
            answers[role] = _request(client, method, name, url)
            transaction.set_rollback(True)
    # then
    assert answers == dict(zip(ROLES, EXPECTED[name][method], strict=True))
