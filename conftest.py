"""Shared fixtures: a small workspace with a named user per role and two vendors.

alice (admin), mark (manager), eve (evaluator), victor (viewer) work for the client;
lena (lead) and milo (member) for Vistula; dev (lead) and dora (member) for Deccan.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from accord.accounts.actions import create_user, ensure_client_organization
from accord.accounts.models import Organization, Role, User
from accord.engagements import actions as engagement_actions
from accord.engagements.models import Engagement, EngagementStatus, Visibility
from accord.vendors import actions as vendor_actions
from accord.vendors.models import Vendor

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def _media_root(settings: Any) -> Iterator[None]:
    """Uploaded files go to a throwaway folder per test."""
    folder = tempfile.mkdtemp(prefix="accord-media-")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": folder},
        },
    }
    yield
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(autouse=True)
def _lazy_static_index(settings: Any) -> None:
    # WhiteNoise otherwise indexes every static file for each test client it serves.
    settings.WHITENOISE_AUTOREFRESH = True


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    # Cached pages are keyed on database rows that each test builds afresh (same ids, same slugs).
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_hashing(settings: Any) -> None:
    # Argon2 is the production hasher (tested in accounts); tests log in hundreds of times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def client_org(db: None) -> Organization:
    return ensure_client_organization(name="Northwind Financial")


@pytest.fixture
def vistula(db: None) -> Vendor:
    return vendor_actions.create_vendor(
        actor=None, name="Vistula Software House", headquarters_country="PL", team_size=420
    )


@pytest.fixture
def deccan(db: None) -> Vendor:
    return vendor_actions.create_vendor(
        actor=None, name="Deccan Digital Labs", headquarters_country="IN", team_size=1800
    )


def _user(username: str, org: Organization, role: str) -> User:
    return create_user(
        actor=None,
        username=username,
        email=f"{username}@example.com",
        organization=org,
        role=role,
        password=PASSWORD,
    )


@pytest.fixture
def alice(client_org: Organization) -> User:
    return _user("alice", client_org, Role.ADMIN)


@pytest.fixture
def mark(client_org: Organization) -> User:
    return _user("mark", client_org, Role.MANAGER)


@pytest.fixture
def eve(client_org: Organization) -> User:
    return _user("eve", client_org, Role.EVALUATOR)


@pytest.fixture
def victor(client_org: Organization) -> User:
    return _user("victor", client_org, Role.VIEWER)


@pytest.fixture
def lena(vistula: Vendor) -> User:
    return _user("lena", vistula.organization, Role.VENDOR_LEAD)


@pytest.fixture
def milo(vistula: Vendor) -> User:
    return _user("milo", vistula.organization, Role.VENDOR_MEMBER)


@pytest.fixture
def dev(deccan: Vendor) -> User:
    return _user("dev", deccan.organization, Role.VENDOR_LEAD)


@pytest.fixture
def dora(deccan: Vendor) -> User:
    return _user("dora", deccan.organization, Role.VENDOR_MEMBER)


@pytest.fixture
def everyone(
    alice: User, mark: User, eve: User, victor: User, lena: User, milo: User, dev: User, dora: User
) -> dict[str, User]:
    """Every named user by role name (vendor users of Vistula unless 'other_')."""
    return {
        "admin": alice,
        "manager": mark,
        "evaluator": eve,
        "viewer": victor,
        "vendor_lead": lena,
        "vendor_member": milo,
        "other_vendor_lead": dev,
        "other_vendor_member": dora,
    }


@pytest.fixture
def vistula_engagement(vistula: Vendor, mark: User) -> Engagement:
    return engagement_actions.create_engagement(
        actor=mark,
        name="Mobile banking app",
        vendor=vistula,
        status=EngagementStatus.ACTIVE,
        start_date=dt.date(2026, 1, 5),
        budget=Decimal("1850000"),
        currency="EUR",
    )


@pytest.fixture
def deccan_engagement(deccan: Vendor, mark: User) -> Engagement:
    return engagement_actions.create_engagement(
        actor=mark,
        name="Payments platform",
        vendor=deccan,
        status=EngagementStatus.ACTIVE,
        start_date=dt.date(2026, 3, 1),
    )


@pytest.fixture
def internal_note(vistula_engagement: Engagement, mark: User) -> Any:
    return engagement_actions.add_note(
        actor=mark,
        engagement=vistula_engagement,
        body="Budget headroom is thin.",
        visibility=Visibility.INTERNAL,
    )


@pytest.fixture
def shared_note(vistula_engagement: Engagement, mark: User) -> Any:
    return engagement_actions.add_note(
        actor=mark,
        engagement=vistula_engagement,
        body="QBR moves to June.",
        visibility=Visibility.SHARED,
    )


def logged_in(user: User) -> Client:
    """A test client with a session for `user`."""
    client = Client()
    client.force_login(user)
    return client
