"""Background work of routing. Safe to run twice: routing skips routed signals."""

from celery import shared_task
from django.db import connection

from core.locks import ROUTING_DRAIN, advisory_lock_try
from detection.handoff import ROUTE_PENDING_TASK

from . import services

ROUTE_CHUNK = 5000


@shared_task(name=ROUTE_PENDING_TASK)
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
        with advisory_lock_try(ROUTING_DRAIN, 0) as acquired:
            if not acquired:
                return routed
            while batch := services.signals_route_pending(limit=ROUTE_CHUNK):
                routed += batch
        with connection.cursor() as cursor:
            cursor.execute("SELECT EXISTS (SELECT 1 FROM detection_signal WHERE routed_at IS NULL)")
            if not cursor.fetchone()[0]:
                return routed
    return routed
