from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("evidence", "0001_initial"), ("cases", "0002_append_only_triggers")]
    operations = [
        migrations.RunSQL(
            """
            CREATE TRIGGER evidence_custodyevent_append_only
            BEFORE UPDATE OR DELETE ON evidence_custodyevent
            FOR EACH ROW EXECUTE FUNCTION quarry_refuse_change();
            CREATE TRIGGER evidence_evidence_immutable
            BEFORE UPDATE ON evidence_evidence
            FOR EACH ROW EXECUTE FUNCTION quarry_refuse_change();
            """,
            """
            DROP TRIGGER IF EXISTS evidence_custodyevent_append_only ON evidence_custodyevent;
            DROP TRIGGER IF EXISTS evidence_evidence_immutable ON evidence_evidence;
            """,
        ),
    ]
