"""Template access to the policy, so templates show only the buttons a user may press."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accord.accounts import policy


class _Permissions:
    def __init__(self, request: HttpRequest) -> None:
        self._user = request.user

    def __getitem__(self, name: str) -> bool:
        return policy.can(self._user, policy.Perm(name.replace("__", ".")))


def permissions(request: HttpRequest) -> dict[str, Any]:
    """`{% if may.vendor__add %}` in templates asks policy.can(user, "vendor.add")."""
    return {"may": _Permissions(request)}
