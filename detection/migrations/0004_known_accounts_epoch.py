"""The epoch that tells ingesting processes to forget the accounts they know (known_accounts.py):
advanced by every DELETE or TRUNCATE of accounts or attributes, under the exclusive side of the
lock that ingestion holds in shared mode."""

from django.db import migrations

SQL = """
CREATE SEQUENCE quarry_account_epoch;
CREATE FUNCTION quarry_account_epoch_advance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(20906, 0);  -- detection.known_accounts.INGEST_LOCK
    PERFORM nextval('quarry_account_epoch');
    RETURN NULL;
END $$;
CREATE TRIGGER account_epoch_delete BEFORE DELETE ON accounts_account
    FOR EACH STATEMENT EXECUTE FUNCTION quarry_account_epoch_advance();
CREATE TRIGGER account_epoch_truncate BEFORE TRUNCATE ON accounts_account
    FOR EACH STATEMENT EXECUTE FUNCTION quarry_account_epoch_advance();
CREATE TRIGGER attribute_epoch_delete BEFORE DELETE ON accounts_accountattribute
    FOR EACH STATEMENT EXECUTE FUNCTION quarry_account_epoch_advance();
CREATE TRIGGER attribute_epoch_truncate BEFORE TRUNCATE ON accounts_accountattribute
    FOR EACH STATEMENT EXECUTE FUNCTION quarry_account_epoch_advance();
"""

REVERSE = """
DROP TRIGGER attribute_epoch_truncate ON accounts_accountattribute;
DROP TRIGGER attribute_epoch_delete ON accounts_accountattribute;
DROP TRIGGER account_epoch_truncate ON accounts_account;
DROP TRIGGER account_epoch_delete ON accounts_account;
DROP FUNCTION quarry_account_epoch_advance();
DROP SEQUENCE quarry_account_epoch;
"""


class Migration(migrations.Migration):
    dependencies = [("detection", "0003_hot_path_integrity_by_triggers")]

    operations = [migrations.RunSQL(SQL, REVERSE)]
