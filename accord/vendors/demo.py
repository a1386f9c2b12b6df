"""The demo workspace's vendors: five partners on four continents with their evidence.

Idempotent: a vendor is looked up by name first, and one that exists is left as it is. Every
write goes through the vendor actions, so the audit log shows them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from accord.lib.pdf import one_page_pdf
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


def _years(n: float) -> dt.date:
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
        "certifications": [
            ("iso_9001", "SGS", "PT-QMS-4410", -1, 2),
            # A yearly report due again in four months: within 90 days of the decided demo
            # evaluation's start (two months from today), so it shows "certificate expiring".
            ("soc2_type2", "BDO", "SOC2-LC-2026-07", -8 / 12, 4 / 12),
        ],
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


def load_vendors_demo() -> bool:
    """Create the demo vendors that are missing; True when any was created."""
    created = False
    for spec in VENDORS:
        created |= _load_vendor(spec)
    return created


def _load_vendor(spec: dict[str, Any]) -> bool:
    if Vendor.objects.filter(name=spec["name"]).exists():
        return False
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
                one_page_pdf(f"{spec['name']}: certificate {reference or kind}"),
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
            file=ContentFile(one_page_pdf(f"{spec['name']}: {title}"), name=name),
            original_name=name,
        )
    return True
