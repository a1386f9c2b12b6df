"""The KPI dashboard's cards are rendered once per revision of their data and reused: every
write of measurements or KPIs shows at once, and each viewer still gets their own buttons and
CSRF token."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accord.metrics import actions
from accord.metrics import dashboard_views as pages
from accord.metrics.models import KPI
from accord.metrics.tests.builders import Delivery, month_start
from accord.metrics.tests.test_pages import _client, _throughput_kpi

pytestmark = pytest.mark.django_db


def _dashboard(client: Client, engagement) -> str:
    response = client.get(reverse("metrics:dashboard", args=[engagement.slug]))
    assert response.status_code == 200
    return response.content.decode()


def _value(html: str) -> str:
    return re.search(r'data-testid="kpi-value">([^<]*)<', html).group(1)


def test_a_recompute_shows_on_a_dashboard_already_seen(mark, vistula_engagement, recent_work):
    # given a dashboard already rendered with last month's 3 items
    _throughput_kpi(vistula_engagement, mark)
    client = _client(mark)
    assert _value(_dashboard(client, vistula_engagement)) == "3 items"
    # when a fourth item done last month arrives and the KPIs are recomputed
    start = month_start(1)
    data = Delivery(vistula_engagement, name="Late")
    data.item("L-1", created=start, moves=[(start + dt.timedelta(days=5), "Done")])
    data.finish()
    actions.recompute_engagement(vistula_engagement.pk)
    # then the next view shows it
    assert _value(_dashboard(client, vistula_engagement)) == "4 items"


def test_a_new_target_rejudges_a_dashboard_already_seen(mark, vistula_engagement, recent_work):
    kpi = _throughput_kpi(vistula_engagement, mark)
    client = _client(mark)
    assert 'data-testid="status">On track<' in _dashboard(client, vistula_engagement)
    actions.edit_kpi(actor=mark, kpi=kpi, target=10, warning_threshold=5)
    assert 'data-testid="status">Off track<' in _dashboard(client, vistula_engagement)


def test_a_stopped_kpi_leaves_a_dashboard_already_seen(mark, vistula_engagement, recent_work):
    kpi = _throughput_kpi(vistula_engagement, mark)
    client = _client(mark)
    assert f'id="kpi-{kpi.pk}-name"' in _dashboard(client, vistula_engagement)
    actions.deactivate_kpi(actor=mark, kpi=kpi)
    assert f'id="kpi-{kpi.pk}-name"' not in _dashboard(client, vistula_engagement)


def test_the_second_view_reads_no_kpis_or_measurements(mark, vistula_engagement, recent_work):
    _throughput_kpi(vistula_engagement, mark)
    client = _client(mark)
    first = _dashboard(client, vistula_engagement)
    with CaptureQueriesContext(connection) as captured:
        second = _dashboard(client, vistula_engagement)
    tables = " ".join(q["sql"] for q in captured)
    assert "metrics_measurement" not in tables and "metrics_kpi" not in tables
    # and shows the same page (the CSRF tokens aside)
    token = re.compile(r"[A-Za-z0-9]{64}")
    assert token.sub("", second) == token.sub("", first)


def test_a_viewer_gets_no_manager_buttons_from_a_managers_view(
    mark, victor, vistula_engagement, recent_work
):
    kpi = _throughput_kpi(vistula_engagement, mark)
    edit = reverse("metrics:kpi_edit", args=[vistula_engagement.slug, kpi.pk])
    assert edit in _dashboard(_client(mark), vistula_engagement)
    assert edit not in _dashboard(_client(victor), vistula_engagement)
    assert edit in _dashboard(_client(mark), vistula_engagement)


def test_each_manager_stops_a_kpi_with_their_own_csrf_token(
    mark, alice, vistula_engagement, recent_work
):
    # given the dashboard rendered for one manager
    kpi = _throughput_kpi(vistula_engagement, mark)
    marks = Client(enforce_csrf_checks=True)
    marks.force_login(mark)
    _dashboard(marks, vistula_engagement)
    # when another manager opens it and presses "Stop tracking" with the token the page holds
    alices = Client(enforce_csrf_checks=True)
    alices.force_login(alice)
    html = _dashboard(alices, vistula_engagement)
    stop = reverse("metrics:kpi_deactivate", args=[vistula_engagement.slug, kpi.pk])
    form = html[html.index(f'action="{stop}"') :]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    response = alices.post(stop, {"csrfmiddlewaretoken": token})
    # then the form is accepted: the token is hers, not the one rendered for the first manager
    assert response.status_code == 302
    assert not KPI.objects.get(pk=kpi.pk).active


def test_a_new_day_moves_the_card_to_the_period_that_just_ended(
    monkeypatch, mark, vistula_engagement, recent_work
):
    _throughput_kpi(vistula_engagement, mark)
    client = _client(mark)
    assert f'data-testid="kpi-period">{month_start(1):%b %Y}<' in _dashboard(
        client, vistula_engagement
    )
    # when the current month has ended (the measurements are those computed before)
    next_month = month_start(-1) + dt.timedelta(hours=1)
    monkeypatch.setattr(pages, "timezone", SimpleNamespace(now=lambda: next_month))
    html = _dashboard(client, vistula_engagement)
    assert f'data-testid="kpi-period">{month_start(0):%b %Y}<' in html
