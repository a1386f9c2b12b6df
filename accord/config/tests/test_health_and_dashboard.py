"""The health check and the dashboard."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from conftest import logged_in

pytestmark = pytest.mark.django_db


def test_healthz_says_the_database_is_reachable():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True}


def test_healthz_reports_an_unreachable_database(monkeypatch):
    from django.db import connection

    def broken_cursor(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] is False


def test_the_dashboard_sends_anonymous_visitors_to_login():
    response = Client().get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_manager_sees_both_vendors_engagements_on_the_dashboard(
    mark, vistula_engagement, deccan_engagement
):
    page = logged_in(mark).get(reverse("dashboard")).content.decode()
    assert "Mobile banking app" in page and "Payments platform" in page
    assert "Vistula Software House" in page and "Deccan Digital Labs" in page


def test_a_vendor_lead_sees_only_their_own_engagements_on_the_dashboard(
    lena, vistula_engagement, deccan_engagement
):
    page = logged_in(lena).get(reverse("dashboard")).content.decode()
    assert "Mobile banking app" in page
    assert "Payments platform" not in page
    assert "Deccan" not in page


def test_the_dashboard_reads_a_fixed_number_of_queries(
    mark, vistula, deccan, django_assert_max_num_queries
):
    from accord.engagements.actions import create_engagement

    for n in range(10):
        create_engagement(
            actor=mark, name=f"Engagement {n}", vendor=vistula if n % 2 else deccan, status="active"
        )
    client = logged_in(mark)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("dashboard")).status_code == 200
