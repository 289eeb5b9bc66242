"""Background work of the detection app. Thin: each task takes ids and calls a service; each is
safe to run twice (routing skips routed signals, polling moves the cursor by compare-and-set)."""

from celery import shared_task
from django.db import connection

from . import counts, feeds, routing

ROUTE_CHUNK = 5000


_DRAIN_LOCK = 0x5148  # session-level advisory lock: one router drains the backlog at a time


def _try_lock(cursor) -> bool:
    cursor.execute("SELECT pg_try_advisory_lock(%s, 0)", [_DRAIN_LOCK])
    return cursor.fetchone()[0]


@shared_task
def signals_route_pending() -> int:
    """Route every unrouted signal, oldest first, in runs of ROUTE_CHUNK.

    Ingestion enqueues this after each commit. Routing many signals per run is what lets it keep
    up: a run costs one audit event per case it touches, however many signals it attaches. One
    router drains at a time; a task that finds the drain lock taken returns at once, and the
    drainer looks again after letting go of the lock, so a signal committed at that moment
    still gets routed. Beat also runs it every 30 s, as a sweep for signals whose task was lost
    (a worker died, the broker was down)."""
    routed = 0
    for _ in range(2):
        with connection.cursor() as cursor:
            if not _try_lock(cursor):
                return routed
            try:
                while batch := routing.signals_route_pending(limit=ROUTE_CHUNK):
                    routed += batch
            finally:
                cursor.execute("SELECT pg_advisory_unlock(%s, 0)", [_DRAIN_LOCK])
            cursor.execute("SELECT EXISTS (SELECT 1 FROM detection_signal WHERE routed_at IS NULL)")
            if not cursor.fetchone()[0]:
                return routed
    return routed


@shared_task
def feeds_poll_due() -> list[int]:
    """Beat calls this every few seconds; it starts a poll for each feed that is due."""
    due = feeds.feeds_claim_due()
    for detector_id in due:
        feed_poll.delay(detector_id)
    return due


@shared_task(acks_late=True)
def feed_poll(detector_id: int) -> dict:
    outcome = feeds.feed_poll(detector_id=detector_id)
    return {"pages": outcome.pages, "created": outcome.created, "error": outcome.error}


@shared_task
def signal_counts_compact() -> int:
    """Beat folds the dashboard's signal counts every few minutes (detection/counts.py)."""
    return counts.signal_counts_compact()
