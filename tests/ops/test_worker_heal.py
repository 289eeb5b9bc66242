"""Pool processes of a routing worker killed with SIGKILL, under `make run`'s supervisor: the
killed task runs again and routing resumes within a minute, with nobody restarting anything.

Killing the child that routes leaves the other child to take the task again. Killing both
wedges a worker on the filesystem broker (core/watchdog.py says why); its watchdog stops it and
the supervisor starts a new one. On Redis and RabbitMQ the pool recovers by itself."""

import os
import signal
import time

import psutil
import pytest
from django.conf import settings
from django.db import connection

from bench.common import signal_batch
from core.locks import ROUTING_DRAIN
from detection.ingestion import signal_ingest_batch
from detection.models import Signal
from detection.services import detector_create
from detection.validation import signal_validate
from routing.tasks import signals_route_pending
from tests.worker import wait_for

from .devrun import devrun

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

FAST_WATCHDOG = {
    "QUARRY_WORKER_STALL_SECONDS": "5",
    "QUARRY_WORKER_STALL_EXIT_SECONDS": "20",
    "QUARRY_HEARTBEAT_MAX_AGE_SECONDS": "20",
}


def _ingest(detector, run: str, total: int) -> None:
    for start in range(0, total, 1000):
        items = signal_batch(run, start, 1000, 2000)
        signal_ingest_batch(detector=detector, signals=[signal_validate(i) for i in items])


def _unrouted() -> int:
    return Signal.objects.filter(routed_at__isnull=True).count()


def _router_backend() -> int | None:
    """The client port of the database session draining the routing backlog."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.client_port FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.classid = %s AND l.objid = 0 AND l.granted",
            [ROUTING_DRAIN],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _router(pool: list[psutil.Process]) -> psutil.Process | None:
    port = _router_backend()
    for child in pool:
        try:
            if any(c.laddr and c.laddr.port == port for c in child.net_connections("tcp")):
                return child
        except psutil.NoSuchProcess:
            continue
    return None


def _routing_starts(run, detector, name: str):
    """Queue a backlog, nudge the worker, and return its pool once a child is routing."""
    _ingest(detector, name, 6000)
    signals_route_pending.delay()
    found = {}

    def routing() -> bool:
        found["pool"] = run.pool()
        found["router"] = _router(found["pool"])
        return found["router"] is not None

    assert wait_for(routing, 60), run.log()
    return found["pool"], found["router"]


def test_killed_pool_processes_are_replaced_and_routing_resumes(tmp_path):
    detector, _ = detector_create(name="bulk")
    with devrun(tmp_path, **FAST_WATCHDOG) as run:
        worker = run.service("worker").pid

        pool, router = _routing_starts(run, detector, "one")
        os.kill(router.pid, signal.SIGKILL)
        killed = time.monotonic()
        assert wait_for(lambda: _unrouted() == 0, 60), (_unrouted(), run.log())
        print(f"one child killed: routed again after {time.monotonic() - killed:.0f}s")
        assert run.service("worker").pid == worker  # the pool replaced its child itself

        pool, router = _routing_starts(run, detector, "both")
        for child in pool:
            os.kill(child.pid, signal.SIGKILL)
        killed = time.monotonic()
        assert wait_for(lambda: _unrouted() == 0, 60), (_unrouted(), run.log())
        print(f"both children killed: routed again after {time.monotonic() - killed:.0f}s")
        if settings.CELERY_BROKER_URL == "filesystem://":
            # The watchdog found the wedge, let go of the dead child's lock and stopped the
            # worker (a warm shutdown, exit 0, unless it took longer than the exit grace), and
            # the supervisor started another.
            assert "watchdog: the pool's read lock is held by a dead process" in run.log()
            assert wait_for(lambda: "devrun: worker exited with" in run.log(), 30), run.log()
    assert Signal.objects.filter(detector=detector).count() == 12000
