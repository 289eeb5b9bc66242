"""Durability (issue 18):

- `quarry_database_generation`, an UNLOGGED one-row table whose token tells processes that the
  database they remember is no longer the same one: PostgreSQL empties unlogged tables in
  crash recovery (a backend killed, an immediate stop, a power cut) and a standby or a physical
  backup never has their rows, so the first ingestion after any of those writes a new token and
  every process forgets the account ids it had learned (detection/known_accounts.py);
- each signal records the external ids of the accounts it named, so verify_integrity can check
  its account links against them (existing signals are backfilled from their links);
- `routing_error`: the reason routing set a signal aside instead of routing it."""

import django.contrib.postgres.fields
from django.db import migrations, models

GENERATION = """
CREATE UNLOGGED TABLE quarry_database_generation (
    id int PRIMARY KEY CHECK (id = 1),
    token uuid NOT NULL DEFAULT gen_random_uuid(),
    started_at timestamptz NOT NULL DEFAULT now()
);
"""

# Existing links are the only record of what old signals named; taken as they are.
BACKFILL = """
UPDATE detection_signal s SET account_external_ids = n.ids
FROM (
    SELECT l.signal_id, array_agg(DISTINCT a.external_id::text) AS ids
    FROM detection_signalaccount l JOIN accounts_account a ON a.id = l.account_id
    GROUP BY l.signal_id
) n
WHERE n.signal_id = s.id;
UPDATE detection_signal SET account_external_ids = '{}' WHERE account_external_ids IS NULL;
"""


class Migration(migrations.Migration):
    dependencies = [("detection", "0006_signal_account_composite_key")]

    operations = [
        migrations.RunSQL(GENERATION, "DROP TABLE quarry_database_generation"),
        migrations.AddField(
            model_name="signal",
            name="routing_error",
            field=models.TextField(blank=True, db_default=""),
        ),
        migrations.AddField(
            model_name="signal",
            name="account_external_ids",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.TextField(), blank=True, null=True, size=None
            ),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name="signal",
            index=models.Index(
                condition=models.Q(("routing_error", ""), _negated=True),
                fields=["received_at"],
                name="signal_set_aside",
            ),
        ),
    ]
