"""The audit trail is append-only in the database itself, not only in Python: UPDATE and DELETE
on case events raise. (TRUNCATE is left alone: it is what test teardown uses, and it needs table
ownership, which the application role need not have in production.)"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION quarry_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'table % is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

TRIGGER = """
CREATE TRIGGER {table}_append_only
BEFORE UPDATE OR DELETE ON {table}
FOR EACH ROW EXECUTE FUNCTION quarry_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [
        migrations.RunSQL(FUNCTION, "DROP FUNCTION IF EXISTS quarry_refuse_change() CASCADE;"),
        migrations.RunSQL(
            TRIGGER.format(table="cases_caseevent"),
            "DROP TRIGGER IF EXISTS cases_caseevent_append_only ON cases_caseevent;",
        ),
    ]
