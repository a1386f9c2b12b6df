from django.db import migrations

INDUSTRIES = [
    ("fintech", "Fintech"),
    ("banking", "Banking"),
    ("insurance", "Insurance"),
    ("healthcare", "Healthcare"),
    ("saas", "SaaS"),
    ("ecommerce", "E-commerce and retail"),
    ("logistics", "Logistics"),
    ("telecom", "Telecommunications"),
    ("energy", "Energy"),
    ("public-sector", "Public sector"),
    ("education", "Education"),
    ("media", "Media"),
    ("manufacturing", "Manufacturing"),
    ("automotive", "Automotive"),
    ("travel", "Travel"),
]
CAPABILITIES = [
    ("ai-ml", "AI and machine learning"),
    ("blockchain", "Blockchain"),
    ("cloud", "Cloud"),
    ("devops", "DevOps and platform"),
    ("data", "Data engineering"),
    ("mobile", "Mobile"),
    ("web", "Web"),
    ("backend", "Backend and APIs"),
    ("security", "Cybersecurity"),
    ("qa", "Quality assurance and testing"),
    ("ux", "UI/UX design"),
    ("embedded", "Embedded and IoT"),
    ("erp", "ERP and CRM"),
]


def seed(apps, schema_editor):
    Industry = apps.get_model("vendors", "Industry")
    Capability = apps.get_model("vendors", "Capability")
    for slug, name in INDUSTRIES:
        Industry.objects.get_or_create(slug=slug, defaults={"name": name})
    for slug, name in CAPABILITIES:
        Capability.objects.get_or_create(slug=slug, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("vendors", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
