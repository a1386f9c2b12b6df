"""The demo workspace: a fintech client, five vendors on four continents, and a user per role.

Loading is idempotent: every object is looked up by its natural key first, so a second run
changes nothing. All writes go through the same actions as the UI, so the audit log shows them.
Each app holds its own part (vendors, engagements, selection and metrics `demo.py`); this module
adds the client organization and the users, and loads the parts in the order they depend on.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction

from accord.accounts.actions import create_user, ensure_client_organization
from accord.accounts.models import Organization, Role, User
from accord.engagements.demo import load_engagements_demo
from accord.lib.env import envstr
from accord.metrics.demo import load_metrics_demo
from accord.selection.demo import load_selection_demo
from accord.vendors.demo import load_vendors_demo
from accord.vendors.models import Vendor

CLIENT_NAME = "Northwind Financial"

# username, first, last, role, vendor name (None: the client)
USERS: list[tuple[str, str, str, str, str | None]] = [
    ("admin", "Alice", "Andersen", Role.ADMIN, None),
    ("manager", "Marek", "Nowak", Role.MANAGER, None),
    ("evaluator", "Eva", "Lindqvist", Role.EVALUATOR, None),
    ("viewer", "Victor", "Hale", Role.VIEWER, None),
    ("vistula.lead", "Katarzyna", "Wiśniewska", Role.VENDOR_LEAD, "Vistula Software House"),
    ("vistula.dev", "Piotr", "Zieliński", Role.VENDOR_MEMBER, "Vistula Software House"),
    ("deccan.lead", "Ananya", "Iyer", Role.VENDOR_LEAD, "Deccan Digital Labs"),
    ("deccan.dev", "Rohan", "Mehta", Role.VENDOR_MEMBER, "Deccan Digital Labs"),
]


def demo_password() -> tuple[str, bool]:
    """The demo password: ACCORD_DEMO_PASSWORD, or a new random one (second value True)."""
    given = envstr("ACCORD_DEMO_PASSWORD")
    if given:
        return given, False
    return secrets.token_urlsafe(12), True


def demo_users() -> list[dict[str, str]]:
    """The demo users that exist, as {"username", "role", "organization"}."""
    names = [row[0] for row in USERS]
    users = User.objects.filter(username__in=names).select_related("organization")
    by_name = {u.username: u for u in users}
    return [
        {
            "username": name,
            "role": by_name[name].role,
            "organization": str(by_name[name].organization or ""),
        }
        for name in names
        if name in by_name
    ]


def is_first_start() -> bool:
    """True when the database holds no user yet."""
    return not User.objects.exists()


@transaction.atomic
def load_demo() -> dict[str, Any]:
    """Create whatever part of the demo workspace is missing; report what was created."""
    client = ensure_client_organization(name=CLIENT_NAME)
    if client.name != CLIENT_NAME and not Organization.objects.filter(kind="vendor").exists():
        Organization.objects.filter(pk=client.pk).update(name=CLIENT_NAME)
    created = load_vendors_demo()
    password, generated = demo_password()
    any_user_created = False
    for username, first, last, role, vendor_name in USERS:
        if User.objects.filter(username=username).exists():
            continue
        organization = (
            client if vendor_name is None else Vendor.objects.get(name=vendor_name).organization
        )
        create_user(
            actor=None,
            username=username,
            email=f"{username}@demo.accord.example",
            organization=organization,
            role=role,
            password=password,
            first_name=first,
            last_name=last,
        )
        any_user_created = True
    created |= any_user_created
    manager = User.objects.filter(username="manager").first()
    created |= load_engagements_demo(manager)
    created |= load_selection_demo()
    created |= load_metrics_demo()
    return {
        "created": created,
        "users": demo_users(),
        "password": password if any_user_created or not generated else None,
        "generated": generated and any_user_created,
    }
