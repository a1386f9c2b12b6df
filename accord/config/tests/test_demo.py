"""The demo workspace is realistic and loads idempotently."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accord.accounts.models import Role, User
from accord.audit.models import AuditEvent
from accord.demo import load_demo
from accord.engagements.models import Engagement
from accord.vendors.models import Certification, Vendor

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(monkeypatch):
    monkeypatch.setenv("ACCORD_DEMO_PASSWORD", "demo-pass-2026-long")
    return load_demo()


def test_loading_the_demo_twice_changes_nothing(demo):
    counts = (
        Vendor.objects.count(),
        Engagement.objects.count(),
        User.objects.count(),
        AuditEvent.objects.count(),
    )
    second = load_demo()
    assert second["created"] is False
    assert (
        Vendor.objects.count(),
        Engagement.objects.count(),
        User.objects.count(),
        AuditEvent.objects.count(),
    ) == counts


def test_the_demo_has_four_vendors_in_different_countries_and_zones(demo):
    vendors = Vendor.objects.prefetch_related("locations")
    assert vendors.count() >= 4
    assert len({v.headquarters_country.code for v in vendors}) >= 4
    zones = {loc.time_zone for v in vendors for loc in v.locations.all()}
    assert {"Asia/Kolkata", "Australia/Adelaide", "Europe/Warsaw"} <= zones


def test_the_demo_has_an_expired_certificate_and_a_vendor_without_case_studies(demo):
    today = timezone.localdate()
    assert any(c.status_on(today) == "expired" for c in Certification.objects.all())
    assert Vendor.objects.filter(case_studies__isnull=True).exists()


def test_the_demo_has_two_active_engagements_with_different_vendors(demo):
    active = Engagement.objects.filter(status="active")
    assert active.values("vendor").distinct().count() >= 2


def test_the_demo_has_a_user_for_every_role_and_a_lead_and_member_at_two_vendors(demo):
    assert set(User.objects.values_list("role", flat=True)) == {r.value for r in Role}
    for role in (Role.VENDOR_LEAD, Role.VENDOR_MEMBER):
        orgs = User.objects.filter(role=role).values("organization").distinct().count()
        assert orgs >= 2
    assert User.objects.get(username="manager").check_password("demo-pass-2026-long")


def test_a_generated_demo_password_is_reported_once(monkeypatch):
    monkeypatch.delenv("ACCORD_DEMO_PASSWORD", raising=False)
    first = load_demo()
    assert first["generated"] and len(first["password"]) >= 12
    assert User.objects.get(username="admin").check_password(first["password"])
    assert load_demo()["password"] is None
