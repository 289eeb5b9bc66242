"""Reads and upkeep of the signal counts the database keeps (detection.models.SignalCount):
what the dashboard shows of signal volume, at a cost that does not grow with the signals."""

from datetime import datetime

from django.db import connection

from core.counts import fold, fold_statement

# Deltas folded into one row per (bucket, detector, kind) (core.counts). Buckets are hours from
# the start of yesterday (UTC) on, and whole days before that: the dashboard reads hours only for
# the last 24 hours and days for its 30-day chart, so what it reads stays a few thousand rows
# however many signals there are.
_COMPACT = fold_statement(
    "detection_signalcount",
    ("hour", "detector_id", "kind"),
    (
        "CASE WHEN hour < date_trunc('day', now(), 'UTC') - interval '1 day' "
        "THEN date_trunc('day', hour, 'UTC') ELSE hour END",
        "detector_id",
        "kind",
    ),
)


def signal_counts_compact() -> int:
    """Fold the counts; returns how many rows remain."""
    return fold(_COMPACT)


def signal_counts_by_day(*, since: datetime) -> list[tuple[str, str, int]]:
    """(day as YYYY-MM-DD in UTC, kind, signals) for signals observed since the start of that
    day (UTC): the shape the volume charts take."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT to_char(day, 'YYYY-MM-DD'), kind, n FROM ("
            " SELECT (hour AT TIME ZONE 'UTC')::date AS day, kind, sum(n)::bigint AS n"
            " FROM detection_signalcount WHERE hour >= date_trunc('day', %s::timestamptz, 'UTC')"
            " GROUP BY 1, 2 HAVING sum(n) <> 0) per_day ORDER BY 1, 2",
            [since],
        )
        return cursor.fetchall()


def signal_counts_by_detector(*, since: datetime) -> dict[int, int]:
    """Signals observed since then (from the start of its hour), per detector id."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT detector_id, sum(n)::bigint FROM detection_signalcount "
            "WHERE hour >= date_trunc('hour', %s::timestamptz, 'UTC') GROUP BY 1",
            [since],
        )
        return dict(cursor.fetchall())
