from django.db import migrations


class Migration(migrations.Migration):
    """API request budgets (core.ratelimit): one row per client and rate, not logged."""

    dependencies = [("core", "0004_cache_table")]

    operations = [
        migrations.RunSQL(
            "CREATE UNLOGGED TABLE quarry_rate_limit (key text PRIMARY KEY, tat timestamptz NOT NULL)",
            "DROP TABLE quarry_rate_limit",
        )
    ]
