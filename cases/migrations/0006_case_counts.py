"""Case counts kept by the database itself (cases.models.CaseCount), and an index of the
restricted cases (the counts add a member's restricted cases to them)."""

from django.db import migrations, models

TRIGGERS = """
CREATE FUNCTION quarry_case_count_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO cases_casecount (state, restricted, n)
    SELECT state, restricted, count(*) FROM added GROUP BY 1, 2;
    RETURN NULL;
END $$;
CREATE FUNCTION quarry_case_count_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO cases_casecount (state, restricted, n)
    SELECT state, restricted, sum(d) FROM (
        SELECT state, restricted, 1 AS d FROM added
        UNION ALL SELECT state, restricted, -1 FROM removed
    ) changes GROUP BY 1, 2 HAVING sum(d) <> 0;
    RETURN NULL;
END $$;
CREATE FUNCTION quarry_case_count_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO cases_casecount (state, restricted, n)
    SELECT state, restricted, -count(*) FROM removed GROUP BY 1, 2;
    RETURN NULL;
END $$;
CREATE FUNCTION quarry_case_count_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM cases_casecount;
    RETURN NULL;
END $$;
CREATE TRIGGER case_count_insert AFTER INSERT ON cases_case
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT
    EXECUTE FUNCTION quarry_case_count_added();
CREATE TRIGGER case_count_update AFTER UPDATE ON cases_case
    REFERENCING OLD TABLE AS removed NEW TABLE AS added FOR EACH STATEMENT
    EXECUTE FUNCTION quarry_case_count_changed();
CREATE TRIGGER case_count_delete AFTER DELETE ON cases_case
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT
    EXECUTE FUNCTION quarry_case_count_removed();
CREATE TRIGGER case_count_truncate AFTER TRUNCATE ON cases_case
    FOR EACH STATEMENT EXECUTE FUNCTION quarry_case_count_truncated();
INSERT INTO cases_casecount (state, restricted, n)
SELECT state, restricted, count(*) FROM cases_case GROUP BY 1, 2;
"""

REVERSE = """
DROP TRIGGER case_count_truncate ON cases_case;
DROP TRIGGER case_count_delete ON cases_case;
DROP TRIGGER case_count_update ON cases_case;
DROP TRIGGER case_count_insert ON cases_case;
DROP FUNCTION quarry_case_count_truncated();
DROP FUNCTION quarry_case_count_removed();
DROP FUNCTION quarry_case_count_changed();
DROP FUNCTION quarry_case_count_added();
"""


class Migration(migrations.Migration):
    dependencies = [("cases", "0005_append_only_truncate_refused")]

    operations = [
        migrations.CreateModel(
            name="CaseCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("state", models.CharField(max_length=20)),
                ("restricted", models.BooleanField()),
                ("n", models.BigIntegerField()),
            ],
        ),
        migrations.RunSQL(TRIGGERS, REVERSE),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("restricted", True)),
                fields=["id", "state"],
                name="case_restricted",
            ),
        ),
    ]
