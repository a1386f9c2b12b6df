"""The demo workspace's engagements: two active, one proposed, one ended.

Idempotent: an engagement is looked up by its slug first. Every write goes through the
engagement actions, so the audit log and each engagement's history show them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from accord.accounts.models import User
from accord.engagements import actions as engagement_actions
from accord.engagements.models import Engagement, EngagementStatus, Visibility
from accord.lib.pdf import one_page_pdf
from accord.vendors.models import Vendor

ENGAGEMENTS: list[dict[str, Any]] = [
    {
        "name": "Mobile banking app",
        "slug": "mobile-banking-app",
        "vendor": "Vistula Software House",
        "status": EngagementStatus.ACTIVE,
        "start": -300,
        "end": 430,
        "scope": "Rebuild the retail mobile banking app (iOS, Android) on a shared core; "
        "card management, instant payments and onboarding with e-ID.",
        "pricing_model": "time_and_materials",
        "budget": Decimal("1850000"),
        "currency": "EUR",
        "contract_reference": "NWF-2026-014",
        "contacts": [
            ("client", "Marek Nowak", "Engineering manager", "marek.nowak@northwind.example"),
            ("client", "Sofia Reyes", "Product owner, mobile", "sofia.reyes@northwind.example"),
            (
                "vendor",
                "Katarzyna Wiśniewska",
                "Delivery lead",
                "k.wisniewska@vistula-software.example",
            ),
        ],
        "notes": [
            ("Quarterly business review moved to the first week of next month.", Visibility.SHARED),
            (
                "Budget headroom is about 8 %; keep the scope of the card-controls epic tight.",
                Visibility.INTERNAL,
            ),
        ],
        "documents": [
            ("Statement of work", Visibility.SHARED),
            ("Negotiation notes", Visibility.INTERNAL),
        ],
    },
    {
        "name": "Payments platform modernisation",
        "slug": "payments-platform",
        "vendor": "Deccan Digital Labs",
        "status": EngagementStatus.ACTIVE,
        "start": -180,
        "end": 550,
        "scope": "Move the payments hub from the data centre to the cloud, replace batch "
        "settlement with streaming, and keep PCI DSS scope small.",
        "pricing_model": "dedicated_team",
        "budget": Decimal("2400000"),
        "currency": "USD",
        "contract_reference": "NWF-2026-022",
        "contacts": [
            ("client", "Marek Nowak", "Engineering manager", "marek.nowak@northwind.example"),
            ("vendor", "Ananya Iyer", "Engagement lead", "ananya.iyer@deccan-digital.example"),
        ],
        "notes": [
            ("Cut-over rehearsal planned for the end of the quarter.", Visibility.SHARED),
            ("ISO 27001 certificate has lapsed: renewal evidence requested.", Visibility.INTERNAL),
        ],
        "documents": [("Master services agreement", Visibility.SHARED)],
    },
    {
        "name": "Customer onboarding web flow",
        "slug": "onboarding-web",
        "vendor": "Andes Nearshore",
        "status": EngagementStatus.PROPOSED,
        "start": 45,
        "end": 225,
        "scope": "A web onboarding flow for small-business customers, with KYC checks.",
        "pricing_model": "time_and_materials",
        "budget": Decimal("320000"),
        "currency": "USD",
        "contract_reference": "",
        "contacts": [("client", "Sofia Reyes", "Product owner", "sofia.reyes@northwind.example")],
        "notes": [("Waiting for case studies before the shortlist decision.", Visibility.INTERNAL)],
        "documents": [],
    },
    {
        "name": "Cloud landing zone",
        "slug": "cloud-landing-zone",
        "vendor": "Southern Cross Cloud",
        "status": EngagementStatus.ENDED,
        "start": -720,
        "end": -400,
        "scope": "Landing zone, identity and network baseline for the first cloud workloads.",
        "pricing_model": "fixed_price",
        "budget": Decimal("410000"),
        "currency": "AUD",
        "contract_reference": "NWF-2024-031",
        "contacts": [],
        "notes": [],
        "documents": [],
    },
]


def load_engagements_demo(manager: User | None) -> bool:
    """Create the demo engagements that are missing, run by `manager`; True when any was."""
    created = False
    for spec in ENGAGEMENTS:
        created |= _load_engagement(spec, manager)
    return created


def _load_engagement(spec: dict[str, Any], manager: User | None) -> bool:
    if Engagement.objects.filter(slug=spec["slug"]).exists():
        return False
    today = timezone.localdate()
    engagement = engagement_actions.create_engagement(
        actor=manager,
        name=spec["name"],
        slug=spec["slug"],
        vendor=Vendor.objects.get(name=spec["vendor"]),
        status=spec["status"],
        start_date=today + dt.timedelta(days=spec["start"]),
        end_date=today + dt.timedelta(days=spec["end"]),
        scope=spec["scope"],
        pricing_model=spec["pricing_model"],
        budget=spec["budget"],
        currency=spec["currency"],
        contract_reference=spec["contract_reference"],
    )
    assert manager is not None
    for side, name, role, email in spec["contacts"]:
        engagement_actions.add_contact(
            actor=manager, engagement=engagement, side=side, name=name, role=role, email=email
        )
    for body, visibility in spec["notes"]:
        engagement_actions.add_note(
            actor=manager, engagement=engagement, body=body, visibility=visibility
        )
    for title, visibility in spec["documents"]:
        name = title.lower().replace(" ", "-") + ".pdf"
        engagement_actions.add_document(
            actor=manager,
            engagement=engagement,
            title=title,
            visibility=visibility,
            file=ContentFile(one_page_pdf(f"{spec['name']}: {title}"), name=name),
        )
    return True
