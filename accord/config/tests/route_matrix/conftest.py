"""The world the route matrix runs in: one of every object for an own and an other vendor."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.base import ContentFile

from accord.accounts.actions import invitation_token, invite_user
from accord.audit.models import AuditEvent
from accord.delivery.models import (
    Affiliation,
    AffiliationRule,
    DataSource,
    Deployment,
    Incident,
    Person,
    PullRequest,
    SyncRun,
    WorkItem,
)
from accord.engagements import actions as eng
from accord.lib.pdf import one_page_pdf
from accord.metrics.models import KPI, ManualValue, Measurement
from accord.selection.tests.factories import selection_objects
from accord.vendors import actions as ven
from accord.vendors import models as vm


@pytest.fixture
def world(everyone, vistula, deccan, mark, alice) -> dict[str, Any]:
    """One of every object for Vistula ("own") and for Deccan ("other")."""
    objects: dict[str, Any] = {"viewer": everyone["viewer"]}
    for side, vendor in (("own", vistula), ("other", deccan)):
        o: dict[str, Any] = {"vendor": vendor}
        add = ven.add_vendor_item
        o["v_location"] = add(
            actor=mark,
            vendor=vendor,
            model=vm.DeliveryLocation,
            city="City",
            country="PL",
            time_zone="Europe/Warsaw",
        )
        o["v_certification"] = add(
            actor=mark,
            vendor=vendor,
            model=vm.Certification,
            kind="iso_27001",
            issuer="DNV",
            valid_from=dt.date(2025, 1, 1),
            valid_until=dt.date(2028, 1, 1),
            evidence=ContentFile(one_page_pdf("certificate"), name="iso.pdf"),
        )
        o["v_case_study"] = add(
            actor=mark, vendor=vendor, model=vm.CaseStudy, title="Case", summary="S"
        )
        o["v_reference"] = add(
            actor=mark, vendor=vendor, model=vm.Reference, kind="reference", company="C"
        )
        o["v_rate"] = add(
            actor=mark, vendor=vendor, model=vm.RateCardLine, role="Engineer", amount=50
        )
        o["v_document"] = add(
            actor=mark,
            vendor=vendor,
            model=vm.VendorDocument,
            kind="sdlc",
            title="SDLC",
            file=ContentFile(one_page_pdf("sdlc"), name="sdlc.pdf"),
        )
        engagement = eng.create_engagement(
            actor=mark, name=f"{vendor.name} work", vendor=vendor, status="active"
        )
        o["engagement"] = engagement
        o["contact"] = eng.add_contact(actor=mark, engagement=engagement, side="client", name="Pat")
        o["internal_note"] = eng.add_note(
            actor=mark, engagement=engagement, body="internal", visibility="internal"
        )
        eng.add_note(actor=mark, engagement=engagement, body="shared", visibility="shared")
        for visibility in ("shared", "internal"):
            o[f"{visibility}_document"] = eng.add_document(
                actor=mark,
                engagement=engagement,
                title=f"{visibility} doc",
                visibility=visibility,
                file=ContentFile(one_page_pdf(visibility), name=f"{visibility}.pdf"),
            )
        _delivery_records(o, engagement)
        _metrics_records(o, engagement)
        o["shared_event"] = (
            AuditEvent.objects.filter(engagement=engagement, shared=True).order_by("id").first()
        )
        o.update(
            selection_objects(
                side=side, vendor=vendor, manager=mark, evaluator=everyone["evaluator"]
            )
        )
        objects[side] = o
    invitation = invite_user(
        actor=alice,
        email="new@example.com",
        organization=vistula.organization,
        role="vendor_member",
    )
    objects["invitation"] = invitation
    objects["data_source"] = DataSource.objects.create(
        engagement=objects["own"]["engagement"], kind="csv", name="CSV"
    )
    objects["invitation_token"] = invitation_token(invitation)
    person = Person.objects.create(display_name="Pat Doe", email="pat@vistula.example")
    objects["person"] = person
    objects["affiliation"] = Affiliation.objects.create(
        person=person, organization=vistula.organization
    )
    objects["affiliation_rule"] = AffiliationRule.objects.create(
        organization=vistula.organization, domain="vistula.example"
    )
    return objects


def _delivery_records(o: dict[str, Any], engagement: Any) -> None:
    """A GitHub source with one record of each kind and one run."""
    at = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    source = DataSource.objects.create(engagement=engagement, kind="github", name="GitHub")
    o["source"] = source
    o["sync_run"] = SyncRun.objects.create(data_source=source, trigger="import")
    o["work_item"] = WorkItem.objects.create(
        data_source=source, external_id="1", key="K-1", title="T", status="Open", created_at=at
    )
    o["pull_request"] = PullRequest.objects.create(
        data_source=source,
        external_id="1",
        repo="a/b",
        number=1,
        title="PR",
        state="open",
        created_at=at,
    )
    o["deployment"] = Deployment.objects.create(
        data_source=source, external_id="1", environment="production", status="success"
    )
    o["incident"] = Incident.objects.create(
        data_source=source, external_id="1", title="Down", started_at=at
    )


def _metrics_records(o: dict[str, Any], engagement: Any) -> None:
    """A KPI with one measurement, and one manual value."""
    start = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    end = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
    o["kpi"] = KPI.objects.create(
        engagement=engagement,
        metric_key="throughput",
        name="Throughput",
        target=10,
        warning_threshold=5,
        better="higher",
    )
    o["measurement"] = Measurement.objects.create(
        kpi=o["kpi"], period_start=start, period_end=end, value=1, status="off_track"
    )
    o["manual_value"] = ManualValue.objects.create(
        engagement=engagement,
        metric_key="retention",
        period_start=start,
        period_end=end,
        value=0.9,
    )
