"""Legal hold is enforced by the database, not only by Python: while a case is under hold, its
evidence rows cannot be deleted and the case row itself cannot be purged."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION quarry_refuse_delete_under_hold() RETURNS trigger AS $$
DECLARE
    held boolean;
BEGIN
    IF TG_TABLE_NAME = 'cases_case' THEN
        held := OLD.legal_hold;
    ELSE
        SELECT legal_hold INTO held FROM cases_case WHERE id = OLD.case_id;
    END IF;
    IF held THEN
        RAISE EXCEPTION 'legal hold: % refused on %', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER evidence_evidence_legal_hold
BEFORE DELETE ON evidence_evidence
FOR EACH ROW EXECUTE FUNCTION quarry_refuse_delete_under_hold();

CREATE TRIGGER cases_case_legal_hold
BEFORE DELETE ON cases_case
FOR EACH ROW EXECUTE FUNCTION quarry_refuse_delete_under_hold();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS evidence_evidence_legal_hold ON evidence_evidence;
DROP TRIGGER IF EXISTS cases_case_legal_hold ON cases_case;
DROP FUNCTION IF EXISTS quarry_refuse_delete_under_hold();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("exports", "0002_export_build_fields"),
        ("evidence", "0002_custody_append_only"),
        ("cases", "0002_append_only_triggers"),
    ]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
