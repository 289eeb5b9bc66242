"""The epoch trigger takes the ingestion lock under its own key, core.locks.ACCOUNTS_INGEST
(0x51AB = 20907): migration 0004 gave it 20906 (0x51AA), the namespace of the cluster recompute
jobs' locks. tests/core/test_locks.py checks that the function in the database uses the key the
registry declares."""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION quarry_account_epoch_advance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock({key}, 0);  -- core.locks.ACCOUNTS_INGEST
    PERFORM nextval('quarry_account_epoch');
    RETURN NULL;
END $$;
"""


class Migration(migrations.Migration):
    dependencies = [("detection", "0008_signal_counts")]

    operations = [migrations.RunSQL(FUNCTION.format(key=20907), FUNCTION.format(key=20906))]
