"""Joins the two branches of detection's migrations: the ingestion lock's own key (0007, layers)
and durability with signal counts (0007, 0008). They touch different objects."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("detection", "0007_accounts_ingest_lock_key"),
        ("detection", "0008_signal_counts"),
    ]

    operations = []
