"""The demo workspace: a fintech client, five vendors on four continents, and a user per role.

Loading is idempotent: every object is looked up by its natural key first, so a second run
changes nothing. All writes go through the same actions as the UI, so the audit log shows them.
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accord.accounts.actions import create_user, ensure_client_organization
from accord.accounts.models import Organization, Role, User
from accord.engagements import actions as engagement_actions
from accord.engagements.models import Engagement, EngagementStatus, Visibility
from accord.lib.env import envstr
from accord.metrics.demo import load_metrics_demo
from accord.selection.demo import load_selection_demo
from accord.vendors import actions as vendor_actions
from accord.vendors.models import (
    Capability,
    CaseStudy,
    Certification,
    DeliveryLocation,
    DocumentKind,
    Industry,
    RateCardLine,
    Reference,
    ReferenceKind,
    Vendor,
    VendorDocument,
)

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


def _pdf(title: str) -> bytes:
    """A small, valid one-page PDF whose page says `title` (stands for a real policy document)."""
    text = title.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def _years(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=int(365.25 * n))


VENDORS: list[dict[str, Any]] = [
    {
        "name": "Vistula Software House",
        "legal_name": "Vistula Software House sp. z o.o.",
        "website": "https://vistula-software.example",
        "headquarters_country": "PL",
        "description": "Product engineering for regulated industries: mobile banking, payments and "
        "insurance portals. 14 years in fintech, delivery centres in Kraków and Gdańsk.",
        "founded_year": 2012,
        "team_size": 420,
        "scale_up_capacity": 25,
        "scale_up_weeks": 4,
        "scale_down_notice_weeks": 6,
        "pricing_model": "time_and_materials",
        "currency": "EUR",
        "pricing_notes": "Monthly invoicing on approved timesheets; no onboarding fee.",
        "industries": ["fintech", "banking", "insurance"],
        "capabilities": ["mobile", "backend", "cloud", "qa", "security"],
        "locations": [
            ("Kraków", "PL", "Europe/Warsaw", dt.time(8, 30), dt.time(16, 30), 300),
            ("Gdańsk", "PL", "Europe/Warsaw", dt.time(9, 0), dt.time(17, 0), 120),
        ],
        "certifications": [
            ("iso_27001", "DNV", "ISO27K-88231", -1, 2),
            ("soc2_type2", "A-LIGN", "SOC2-2025-114", -1, 0.5),
            ("gdpr", "Internal DPO attestation", "", -2, None),
        ],
        "case_studies": [
            (
                "Mobile banking app for a Nordic challenger bank",
                "Nordbank",
                "fintech",
                2024,
                "Rebuilt the iOS and Android apps on a shared Kotlin core; 1.2 M users migrated.",
                "App-store rating from 3.1 to 4.6; release cadence from quarterly to fortnightly.",
            ),
            (
                "Claims portal for a mutual insurer",
                "Mutua Seguros",
                "insurance",
                2023,
                "Self-service claims with document OCR and fraud scoring.",
                "Claim handling time down 38 %.",
            ),
        ],
        "references": [
            (ReferenceKind.REFERENCE, "Nordbank", "Jonas Berg", "VP Engineering", True, ""),
            (
                ReferenceKind.TESTIMONIAL,
                "Mutua Seguros",
                "Lucía Ortega",
                "CIO",
                False,
                "They told us early when something slipped, and then fixed it.",
            ),
        ],
        "rates": [
            ("Senior engineer", "Senior", "68.00", "hour"),
            ("Engineer", "Mid", "52.00", "hour"),
            ("QA engineer", "Mid", "45.00", "hour"),
            ("Delivery manager", "Senior", "74.00", "hour"),
        ],
        "documents": [
            (DocumentKind.SDLC, "Software delivery lifecycle", "3.2"),
            (DocumentKind.SECURITY_POLICY, "Information security policy", "2025.1"),
            (DocumentKind.INCIDENT_RESPONSE, "Incident response plan", "1.4"),
        ],
    },
    {
        "name": "Deccan Digital Labs",
        "legal_name": "Deccan Digital Labs Private Limited",
        "website": "https://deccan-digital.example",
        "headquarters_country": "IN",
        "description": "Cloud-native platforms and data engineering; payment gateways and core "
        "banking integrations for banks in India, the Gulf and Europe.",
        "founded_year": 2009,
        "team_size": 1800,
        "scale_up_capacity": 60,
        "scale_up_weeks": 3,
        "scale_down_notice_weeks": 4,
        "pricing_model": "dedicated_team",
        "currency": "USD",
        "pricing_notes": "Dedicated team at a monthly rate per role; travel billed at cost.",
        "industries": ["fintech", "banking", "ecommerce", "telecom"],
        "capabilities": ["cloud", "data", "backend", "devops", "ai-ml"],
        "locations": [
            ("Bengaluru", "IN", "Asia/Kolkata", dt.time(10, 0), dt.time(19, 0), 1200),
            ("Pune", "IN", "Asia/Kolkata", dt.time(9, 30), dt.time(18, 30), 600),
        ],
        "certifications": [
            # Expired last year: the demo's lapsed certificate.
            ("iso_27001", "TÜV SÜD", "IN-27001-5521", -4, -1),
            ("pci_dss", "SISA", "PCI-ROC-2291", -1, 1),
            ("iso_9001", "Bureau Veritas", "QMS-IN-0932", -2, 1),
        ],
        "case_studies": [
            (
                "Payment switch migration to the cloud",
                "Gulf Retail Bank",
                "banking",
                2024,
                "Moved a card switch handling 900 transactions a second to AWS without downtime.",
                "Infrastructure cost down 31 %; p99 latency 120 ms.",
            ),
        ],
        "references": [
            (
                ReferenceKind.REFERENCE,
                "Gulf Retail Bank",
                "Omar Haddad",
                "Head of Payments",
                True,
                "",
            ),
        ],
        "rates": [
            ("Senior cloud engineer", "Senior", "7800.00", "month"),
            ("Data engineer", "Mid", "6200.00", "month"),
            ("Engineering manager", "Senior", None, "month"),
        ],
        "documents": [
            (DocumentKind.SDLC, "Delivery playbook", "5.0"),
            (DocumentKind.SECURITY_POLICY, "Security and data-protection policy", "2024.3"),
        ],
    },
    {
        "name": "Andes Nearshore",
        "legal_name": "Andes Nearshore S.A.S.",
        "website": "https://andes-nearshore.example",
        "headquarters_country": "CO",
        "description": "Nearshore web and mobile teams for North American start-ups; strong in "
        "React, Node.js and Flutter.",
        "founded_year": 2019,
        "team_size": 95,
        "scale_up_capacity": 10,
        "scale_up_weeks": 6,
        "scale_down_notice_weeks": 2,
        "pricing_model": "time_and_materials",
        "currency": "USD",
        "pricing_notes": "",
        "industries": ["saas", "ecommerce"],
        "capabilities": ["web", "mobile", "ux"],
        "locations": [("Medellín", "CO", "America/Bogota", dt.time(8, 0), dt.time(17, 0), 95)],
        "certifications": [],
        # No case studies: the demo's vendor without evidence of past work.
        "case_studies": [],
        "references": [],
        "rates": [
            ("Full-stack engineer", "Senior", "49.00", "hour"),
            ("Designer", "Mid", None, "hour"),
        ],
        "documents": [],
    },
    {
        "name": "Southern Cross Cloud",
        "legal_name": "Southern Cross Cloud Pty Ltd",
        "website": "https://southerncross-cloud.example",
        "headquarters_country": "AU",
        "description": "Cloud infrastructure, platform engineering and 24/7 managed operations.",
        "founded_year": 2015,
        "team_size": 210,
        "scale_up_capacity": 15,
        "scale_up_weeks": 4,
        "scale_down_notice_weeks": 8,
        "pricing_model": "fixed_price",
        "currency": "AUD",
        "pricing_notes": "Fixed price per phase; managed operations billed monthly.",
        "industries": ["saas", "healthcare", "public-sector"],
        "capabilities": ["cloud", "devops", "security"],
        "locations": [
            ("Adelaide", "AU", "Australia/Adelaide", dt.time(9, 0), dt.time(17, 30), 150),
            ("Auckland", "NZ", "Pacific/Auckland", dt.time(9, 0), dt.time(17, 0), 60),
        ],
        "certifications": [
            ("iso_27001", "BSI", "IS 771203", -2, 1),
            ("hipaa", "Self-attested, audited by Coalfire", "", -1, 1),
        ],
        "case_studies": [
            (
                "Hospital network landing zone",
                "SA Health Partners",
                "healthcare",
                2023,
                "Multi-account AWS landing zone with HIPAA-aligned controls for 14 hospitals.",
                "Provisioning time from weeks to hours.",
            ),
        ],
        "references": [
            (
                ReferenceKind.TESTIMONIAL,
                "SA Health Partners",
                "Grace Liu",
                "CTO",
                False,
                "The on-call team knows our platform better than we do.",
            ),
        ],
        "rates": [("Platform engineer", "Senior", "165.00", "hour")],
        "documents": [(DocumentKind.INCIDENT_RESPONSE, "Managed operations runbook", "7")],
    },
    {
        "name": "Lusitania Code",
        "legal_name": "Lusitania Code, Lda.",
        "website": "https://lusitania-code.example",
        "headquarters_country": "PT",
        "description": "Quality engineering and test automation; accessibility audits.",
        "founded_year": 2016,
        "team_size": 140,
        "scale_up_capacity": 12,
        "scale_up_weeks": 5,
        "scale_down_notice_weeks": 4,
        "pricing_model": "mixed",
        "currency": "EUR",
        "pricing_notes": "Audits at a fixed price; testing capacity by the month.",
        "industries": ["fintech", "travel", "media"],
        "capabilities": ["qa", "web", "ux"],
        "locations": [("Lisbon", "PT", "Europe/Lisbon", dt.time(9, 0), dt.time(18, 0), 140)],
        "certifications": [("iso_9001", "SGS", "PT-QMS-4410", -1, 2)],
        "case_studies": [
            (
                "Test automation for an airline booking engine",
                "Atlântico Air",
                "travel",
                2022,
                "Automated 2 300 regression cases across web and mobile.",
                "Regression cycle from 9 days to 6 hours.",
            ),
        ],
        "references": [
            (ReferenceKind.REFERENCE, "Atlântico Air", "Rui Santos", "QA Director", True, ""),
        ],
        "rates": [("Test automation engineer", "Senior", "55.00", "hour")],
        "documents": [(DocumentKind.QUALITY, "Quality engineering handbook", "2.1")],
    },
]

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


def _load_vendor(spec: dict[str, Any]) -> tuple[Vendor, bool]:
    existing = Vendor.objects.filter(name=spec["name"]).first()
    if existing is not None:
        return existing, False
    fields = {
        k: v
        for k, v in spec.items()
        if k
        not in {
            "name",
            "industries",
            "capabilities",
            "locations",
            "certifications",
            "case_studies",
            "references",
            "rates",
            "documents",
        }
    }
    vendor = vendor_actions.create_vendor(
        actor=None,
        name=spec["name"],
        industries=list(Industry.objects.filter(slug__in=spec["industries"])),
        capabilities=list(Capability.objects.filter(slug__in=spec["capabilities"])),
        **fields,
    )
    add = vendor_actions.add_vendor_item
    for city, country, zone, start, end, headcount in spec["locations"]:
        add(
            actor=None,
            vendor=vendor,
            model=DeliveryLocation,
            city=city,
            country=country,
            time_zone=zone,
            work_start=start,
            work_end=end,
            headcount=headcount,
        )
    for kind, issuer, reference, from_years, until_years in spec["certifications"]:
        add(
            actor=None,
            vendor=vendor,
            model=Certification,
            kind=kind,
            issuer=issuer,
            reference=reference,
            valid_from=_years(from_years),
            valid_until=_years(until_years) if until_years is not None else None,
            evidence=ContentFile(
                _pdf(f"{spec['name']}: certificate {reference or kind}"),
                name=f"{kind.replace('_', '-')}-certificate.pdf",
            ),
        )
    for title, client, industry, year, summary, outcome in spec["case_studies"]:
        add(
            actor=None,
            vendor=vendor,
            model=CaseStudy,
            title=title,
            client_name=client,
            industry=Industry.objects.filter(slug=industry).first(),
            year=year,
            summary=summary,
            outcome=outcome,
        )
    for kind, company, contact, role, may_contact, quote in spec["references"]:
        add(
            actor=None,
            vendor=vendor,
            model=Reference,
            kind=kind,
            company=company,
            contact_name=contact,
            contact_role=role,
            may_contact=may_contact,
            quote=quote,
        )
    for role, seniority, amount, unit in spec["rates"]:
        add(
            actor=None,
            vendor=vendor,
            model=RateCardLine,
            role=role,
            seniority=seniority,
            amount=Decimal(amount) if amount else None,
            unit=unit,
            currency=spec["currency"],
            note="" if amount else "TBD",
        )
    for kind, title, version in spec["documents"]:
        name = title.lower().replace(" ", "-") + ".pdf"
        add(
            actor=None,
            vendor=vendor,
            model=VendorDocument,
            kind=kind,
            title=title,
            version=version,
            file=ContentFile(_pdf(f"{spec['name']}: {title}"), name=name),
            original_name=name,
        )
    return vendor, True


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
            file=ContentFile(_pdf(f"{spec['name']}: {title}"), name=name),
        )
    return True


@transaction.atomic
def load_demo() -> dict[str, Any]:
    """Create whatever part of the demo workspace is missing; report what was created."""
    client = ensure_client_organization(name=CLIENT_NAME)
    if client.name != CLIENT_NAME and not Organization.objects.filter(kind="vendor").exists():
        Organization.objects.filter(pk=client.pk).update(name=CLIENT_NAME)
    created = False
    for spec in VENDORS:
        _, made = _load_vendor(spec)
        created |= made
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
    for spec in ENGAGEMENTS:
        created |= _load_engagement(spec, manager)
    created |= load_selection_demo()
    created |= load_metrics_demo()
    return {
        "created": created,
        "users": demo_users(),
        "password": password if any_user_created or not generated else None,
        "generated": generated and any_user_created,
    }
