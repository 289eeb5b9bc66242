"""The signal counts the database keeps for the dashboard (detection.models.SignalCount)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from detection.counts import signal_counts_by_day, signal_counts_by_detector, signal_counts_compact
from detection.ingestion import signal_ingest_batch
from detection.models import Signal, SignalCount
from detection.validation import signal_validate
from tests.database import as_superuser

from .conftest import signal_json

SINCE = datetime(2026, 11, 1, tzinfo=UTC)


def _ingest(detector, numbers, **overrides):
    signals = [signal_validate(signal_json(n, **overrides)) for n in numbers]
    return signal_ingest_batch(detector=detector, signals=signals)


def _truth() -> list[tuple[str, str, int]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT to_char(observed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), kind, count(*) "
            "FROM detection_signal WHERE observed_at >= %s GROUP BY 1, 2 ORDER BY 1, 2",
            [SINCE],
        )
        return cursor.fetchall()


def test_counts_follow_inserts_by_any_path_and_deletes(prada):
    _ingest(prada, range(5))
    _ingest(prada, range(5, 8), kind="signup_burst", observed_at="2026-11-28T23:59:59Z")
    _ingest(prada, range(5))  # re-sent: no signal added, nothing counted
    Signal.objects.create(  # the ORM, as seeding does
        detector=prada,
        external_id="orm-1",
        kind="other",
        severity="low",
        confidence=10,
        observed_at=datetime(2026, 11, 29, 0, 0, tzinfo=UTC),
    )
    assert (
        signal_counts_by_day(since=SINCE)
        == _truth()
        == [
            ("2026-11-27", "cot_elicitation", 5),
            ("2026-11-28", "signup_burst", 3),
            ("2026-11-29", "other", 1),
        ]
    )
    Signal.objects.filter(external_id__in=["sig-000005", "orm-1"]).delete()
    assert signal_counts_by_day(since=SINCE) == _truth()
    assert signal_counts_by_detector(since=SINCE) == {prada.pk: 7}


def test_compacting_keeps_the_counts_and_folds_the_rows(prada):
    for n in range(6):
        _ingest(prada, [n])
    before = signal_counts_by_day(since=SINCE)
    assert SignalCount.objects.count() == 6
    signal_counts_compact()
    assert SignalCount.objects.count() == 1
    assert signal_counts_by_day(since=SINCE) == before == _truth()


def test_compacting_folds_days_before_yesterday_and_keeps_recent_hours(prada):
    """Older hours fold into one row per day (what the 30-day chart reads); hours from the
    start of yesterday stay hours (what the last-24-hours figure per detector reads)."""
    now = datetime.now(UTC)
    recent = [now - timedelta(minutes=m) for m in (1, 61, 121)]  # three hours
    old_day = (now - timedelta(days=5)).replace(hour=0, minute=30)
    old = [old_day + timedelta(hours=h) for h in range(4)]  # four hours of one day
    for n, at in enumerate(recent + old):
        _ingest(prada, [n], observed_at=at.isoformat())
    by_day, last_day = (
        signal_counts_by_day(since=SINCE),
        signal_counts_by_detector(since=now - timedelta(hours=24)),
    )
    signal_counts_compact()
    hours = set(SignalCount.objects.values_list("hour", flat=True))
    assert datetime.combine(old_day.date(), datetime.min.time(), tzinfo=UTC) in hours
    assert not any(h.date() == old_day.date() and h.hour for h in hours)
    assert len({h for h in hours if h.date() != old_day.date()}) == len(
        {r.replace(minute=0, second=0, microsecond=0) for r in recent}
    )
    assert signal_counts_by_day(since=SINCE) == by_day == _truth()
    assert signal_counts_by_detector(since=now - timedelta(hours=24)) == last_day == {prada.pk: 3}


@pytest.mark.django_db(transaction=True)
def test_truncating_the_signals_empties_the_counts(prada):
    _ingest(prada, range(3))
    # The owner's TRUNCATE (the app's login has no TRUNCATE), with its triggers firing.
    with as_superuser(triggers=True) as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "TRUNCATE detection_signal, detection_signalaccount, accounts_accountattribute, "
            "accounts_clustermember, accounts_account CASCADE"
        )
    assert signal_counts_by_day(since=SINCE) == []


def test_the_dashboard_asks_as_many_queries_with_ten_times_the_signals(client, alice, prada):
    """Its signal figures come from the counts: neither the queries nor what they scan grow
    with the signal table."""
    client.force_login(alice)
    _ingest(prada, range(10))
    client.get(reverse("dashboard"))  # warm: sessions, choices
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("dashboard"))
    _ingest(prada, range(10, 110), observed_at=(datetime.now(UTC) - timedelta(hours=1)).isoformat())
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse("dashboard")).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)
    # The one read of the signal table left is the count of signals set aside (a partial index).
    scans = [q["sql"] for q in many.captured_queries if 'FROM "detection_signal"' in q["sql"]]
    assert all("routing_error" in sql for sql in scans), scans
