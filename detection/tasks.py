"""Background work of the detection app. Thin: each task takes ids and calls a service; each is
safe to run twice (routing skips routed signals, polling moves the cursor by compare-and-set)."""

from datetime import timedelta

from celery import shared_task
from django.db import connection
from django.utils import timezone

from . import feeds, routing

ROUTE_CHUNK = 2000


@shared_task(acks_late=True)
def signals_route(signal_ids: list[int]) -> int:
    return routing.signals_route(signal_ids=signal_ids)


@shared_task
def signals_route_sweep(older_than_seconds: int = 30, limit: int = 20000) -> int:
    """Route signals whose routing task was lost (a worker died, the broker was down)."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM detection_signal WHERE routed_at IS NULL AND received_at < %s "
            "ORDER BY received_at LIMIT %s",
            [cutoff, limit],
        )
        ids = [row[0] for row in cursor.fetchall()]
    routed = 0
    for start in range(0, len(ids), ROUTE_CHUNK):
        routed += routing.signals_route(signal_ids=ids[start : start + ROUTE_CHUNK])
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
