"""Signal counts kept by the database itself (detection.models.SignalCount)."""

from django.db import migrations, models

TRIGGERS = """
CREATE FUNCTION quarry_signal_count_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO detection_signalcount (hour, detector_id, kind, n)
    SELECT date_trunc('hour', observed_at, 'UTC'), detector_id, kind, count(*)
    FROM added GROUP BY 1, 2, 3;
    RETURN NULL;
END $$;
CREATE FUNCTION quarry_signal_count_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO detection_signalcount (hour, detector_id, kind, n)
    SELECT date_trunc('hour', observed_at, 'UTC'), detector_id, kind, -count(*)
    FROM removed GROUP BY 1, 2, 3;
    RETURN NULL;
END $$;
CREATE FUNCTION quarry_signal_count_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM detection_signalcount;
    RETURN NULL;
END $$;
CREATE TRIGGER signal_count_insert AFTER INSERT ON detection_signal
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT
    EXECUTE FUNCTION quarry_signal_count_added();
CREATE TRIGGER signal_count_delete AFTER DELETE ON detection_signal
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT
    EXECUTE FUNCTION quarry_signal_count_removed();
CREATE TRIGGER signal_count_truncate AFTER TRUNCATE ON detection_signal
    FOR EACH STATEMENT EXECUTE FUNCTION quarry_signal_count_truncated();
INSERT INTO detection_signalcount (hour, detector_id, kind, n)
SELECT date_trunc('hour', observed_at, 'UTC'), detector_id, kind, count(*)
FROM detection_signal GROUP BY 1, 2, 3;
"""

REVERSE = """
DROP TRIGGER signal_count_truncate ON detection_signal;
DROP TRIGGER signal_count_delete ON detection_signal;
DROP TRIGGER signal_count_insert ON detection_signal;
DROP FUNCTION quarry_signal_count_truncated();
DROP FUNCTION quarry_signal_count_removed();
DROP FUNCTION quarry_signal_count_added();
"""


class Migration(migrations.Migration):
    dependencies = [("detection", "0007_durability")]

    operations = [
        migrations.CreateModel(
            name="SignalCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("hour", models.DateTimeField()),
                ("detector_id", models.BigIntegerField()),
                ("kind", models.CharField(max_length=30)),
                ("n", models.BigIntegerField()),
            ],
            options={
                "indexes": [models.Index(fields=["hour"], name="signal_count_hour")],
            },
        ),
        migrations.RunSQL(TRIGGERS, REVERSE),
    ]
