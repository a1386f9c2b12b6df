"""Every route by every role: the answer the access policy promises.

The table in routes.py names each URL pattern with its access class (access.py says what each
class promises). A route added without an entry fails `test_every_route_is_in_the_matrix`, so
the matrix always covers every route.

Vendor users are Vistula's (lena the lead, milo the member). "own" targets belong to Vistula,
"other" targets to Deccan; a vendor user must get 404 for anything of Deccan's.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accord.config.tests.route_matrix.access import LOGIN, OK, ROLES, Route, expected
from accord.config.tests.route_matrix.routes import API_WRITES, ROUTES


def _route_names(resolver: URLResolver, prefix: str = "") -> set[str]:
    names: set[str] = set()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            space = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            names |= _route_names(entry, space)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(prefix + entry.name)
    return names


def test_every_route_is_in_the_matrix():
    # Static files and DRF's format-suffix twins share names with listed routes.
    assert _route_names(get_resolver()) - set(ROUTES) == set()
    assert set(ROUTES) - _route_names(get_resolver()) == set()


def _client(role: str, everyone: dict[str, Any]) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(everyone[role])
    return client


def _kwargs(route: Route, world: dict[str, Any], target: str) -> dict[str, Any]:
    if route.kwargs is None:
        return {}
    scope = {**world, **world[target]} if route.targeted else {**world, **world["own"]}
    return route.kwargs(scope)


def _check(response: Any, want: str | int, label: str) -> None:
    status = response.status_code
    if want == LOGIN:
        assert status == 302 and "/accounts/login/" in response["Location"], f"{label}: {status}"
    elif want == OK:
        assert status < 500 and status not in (401, 403, 404, 405), f"{label}: {status}"
        if status == 302:
            assert "/accounts/login/" not in response["Location"], f"{label}: sent to login"
    else:
        assert status == want, f"{label}: expected {want}, got {status}"


def _cases(name: str) -> list[tuple[str, str, str]]:
    """(method, target, access) for one route: its own methods and its API writes."""
    route = ROUTES[name]
    targets = ("own", "other") if route.targeted else ("own",)
    cases = [(method, target, route.access) for method in route.methods for target in targets]
    for write_name, method, access, targeted in API_WRITES:
        if write_name == name:
            cases += [(method, t, access) for t in (("own", "other") if targeted else ("own",))]
    return cases


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(ROUTES))
def test_each_role_gets_the_promised_answer(name, everyone, world):
    route = ROUTES[name]
    failures = []
    for method, target, access in _cases(name):
        url = reverse(name, kwargs=_kwargs(route, world, target))
        api = url.startswith("/api/v1/")
        for role in ROLES:
            # given a session for the role, and each request rolled back afterwards so that
            # one role's delete leaves the target in place for the next
            client = _client(role, everyone)
            with transaction.atomic():
                if method == "GET":
                    response = client.get(url)
                elif api:
                    response = getattr(client, method.lower())(
                        url, {}, content_type="application/json"
                    )
                else:
                    response = client.post(url, {})
                transaction.set_rollback(True)
            # then the answer is the promised one
            try:
                _check(response, expected(access, role, target, api=api), f"{role} {method} {url}")
            except AssertionError as exc:
                failures.append(str(exc).splitlines()[0])
    assert failures == []
