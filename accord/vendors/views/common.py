"""What every vendor view needs: the acting user and the vendor they may see."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from accord.accounts import policy
from accord.accounts.models import User
from accord.vendors.models import Vendor


def acting_user(request: HttpRequest) -> User:
    """The logged-in user (views that call this are behind login_required)."""
    user = request.user
    assert isinstance(user, User)
    return user


def visible_vendor(request: HttpRequest, slug: str) -> Vendor:
    """The vendor with this slug, or 404 when the user may not know it exists."""
    return get_object_or_404(
        policy.visible_vendors(request.user).select_related("organization"), slug=slug
    )
