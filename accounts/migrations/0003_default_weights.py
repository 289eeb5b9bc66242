from django.db import migrations

# Frozen here rather than imported: a migration must not change when the model module does.
DEFAULTS = {
    "payment_fingerprint": "strong",
    "device_fingerprint": "strong",
    "ip": "medium",
    "phone": "medium",
    "org_id": "medium",
    "asn": "weak",
    "email_domain": "weak",
    "proxy_provider": "weak",
    "api_key_prefix": "weak",
}


def seed(apps, schema_editor):
    AttributeWeight = apps.get_model("accounts", "AttributeWeight")
    # The migrating connection (the owner login), not the app's default one.
    weights = AttributeWeight.objects.db_manager(schema_editor.connection.alias)
    for type_, strength in DEFAULTS.items():
        weights.get_or_create(type=type_, defaults={"strength": strength, "hub_threshold": 500})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_clusters")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
