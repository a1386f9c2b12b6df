"""Shared API plumbing: one error shape for every failure."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, permissions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus model validation errors from actions answered as 400, not 500."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    return drf_exception_handler(exc, context)


class PolicyPermission(permissions.BasePermission):
    """Asks accord.accounts.policy, with the permission the viewset names for each action.

    Viewsets declare `policy_perms = {"read": Perm..., "create": Perm..., "update": ...,
    "delete": ...}`; visibility (404) comes from the viewset's policy-scoped queryset.
    """

    _ACTION_KIND = {
        "list": "read",
        "retrieve": "read",
        "create": "create",
        "update": "update",
        "partial_update": "update",
        "destroy": "delete",
    }

    def _perm(self, view: Any) -> Any:
        kind = self._ACTION_KIND.get(getattr(view, "action", None) or "", "read")
        return view.policy_perms[kind]

    def has_permission(self, request: Any, view: Any) -> bool:
        from accord.accounts import policy

        # Anything done to one object is judged on that object, after the policy-scoped lookup:
        # an object the user may not see answers 404, one they may see but not change 403.
        if getattr(view, "detail", False):
            return policy.can(request.user, view.policy_perms["read"])
        return policy.can(request.user, self._perm(view))

    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        from accord.accounts import policy

        return policy.can(request.user, self._perm(view), obj)
