"""TRUNCATE skips row triggers, so the append-only tables also refuse it by a statement-level
trigger: even the owner or a superuser must first switch the triggers off on purpose (and a
checkpoint then shows what went missing). The app login has no TRUNCATE privilege at all
(config/db_roles.py)."""

from django.db import migrations

TABLES = (
    "cases_caseevent",
    "cases_commentversion",
    "evidence_custodyevent",
    "evidence_evidence",
    "evidence_evidencelink",
)

FORWARD = "".join(
    f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
    "FOR EACH STATEMENT EXECUTE FUNCTION quarry_refuse_change();\n"
    for table in TABLES
)
BACKWARD = "".join(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};\n" for table in TABLES)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_case_lifecycle"),
        ("evidence", "0003_evidence_link"),
    ]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
