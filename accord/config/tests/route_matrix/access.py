"""Access classes and the answer each role should get from a route of each class."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

ROLES = ["anonymous", "admin", "manager", "evaluator", "viewer", "vendor_lead", "vendor_member"]
CLIENT_ROLES = {"admin", "manager", "evaluator", "viewer"}
VENDOR_ROLES = {"vendor_lead", "vendor_member"}
OK, LOGIN = "ok", "login"


def expected(access: str, role: str, target: str, *, api: bool) -> str | int:
    """What `role` should get from a route of class `access` on an own/other target."""
    if access == "logout":
        return LOGIN  # logging out always lands on the login page
    if access == "no_webhooks":
        return 404
    if role == "anonymous":
        if access == "public":
            return OK
        return 401 if api else LOGIN
    vendor = role in VENDOR_ROLES
    other_eval = role == "evaluator" and target == "other"
    if vendor and target == "other" and access not in {"public", "signed_in", "admin"}:
        return 404
    rules: dict[str, Callable[[], str | int]] = {
        "public": lambda: OK,
        "signed_in": lambda: OK,
        "read": lambda: OK,
        # Internal objects do not exist for vendor users.
        "read_internal": lambda: 404 if vendor else OK,
        "write": lambda: OK if role in {"admin", "manager"} else 403,
        "write_internal": lambda: 404 if vendor else (OK if role in {"admin", "manager"} else 403),
        "comment": lambda: OK if role in {"admin", "manager", "vendor_lead"} else 403,
        "admin": lambda: OK if role == "admin" else 403,
        "audit": lambda: 403 if role == "evaluator" else OK,
        # Selection: evaluators only in evaluations they are assigned to ("own"), vendor users
        # never; results wait until the evaluator submitted (the world's eve has not).
        "evaluation": lambda: 404 if vendor or other_eval else OK,
        "evaluation_write": lambda: 404 if vendor or other_eval else _manages(role),
        "evaluation_results": lambda: 404 if vendor or other_eval else _results(role),
        "score": lambda: 404 if vendor or other_eval else (OK if role == "evaluator" else 403),
        "portal": lambda: OK if vendor else 404,
        "portal_answer": lambda: 404 if not vendor else (OK if role == "vendor_lead" else 403),
    }
    return rules[access]()


def _manages(role: str) -> str | int:
    return OK if role in {"admin", "manager"} else 403


def _results(role: str) -> str | int:
    return 403 if role == "evaluator" else OK


@dataclass(frozen=True)
class Route:
    access: str
    methods: tuple[str, ...] = ("GET",)
    kwargs: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    # Whether the route takes an own/other target (tested on both) or none.
    targeted: bool = True
