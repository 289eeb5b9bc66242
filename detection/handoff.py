"""What detection hands on. Routing stands above detection (it reads signals, opens and
changes cases), so new signals reach it as a task named here, never by an import."""

import threading
import time
from collections.abc import Callable

from django.db import transaction

from core.enqueue import task_publish

# The name routing.tasks registers (kept from when the task lived in detection.tasks: beat's
# schedule and queued messages carry it).
ROUTE_PENDING_TASK = "detection.tasks.signals_route_pending"

# One routing run drains every signal committed before it starts, so a nudge per batch is
# waste: an ingestion process commits dozens of batches a second, and publishing a task costs
# about a millisecond of its CPU each time. A process sends at most one nudge per gap.
NUDGE_GAP_SECONDS = 0.2


class Coalesced:
    """Calls `send` at most once per `gap` seconds, and never leaves a request without a call
    after it: a request within the gap after a call is served by a timer at the gap's end
    (one timer, whatever the number of requests meanwhile). So every commit is followed by a
    nudge within `gap` seconds. The timer thread is not a daemon: a process that is stopping
    still sends its last nudge (and if it is killed, beat's sweep routes the signals)."""

    def __init__(self, send: Callable[[], object], gap: float):
        self._send = send
        self._gap = gap
        self._lock = threading.Lock()
        self._sent_at = float("-inf")
        self._timer: threading.Timer | None = None

    def __call__(self) -> None:
        with self._lock:
            if self._timer is not None:
                return  # a call is due, and comes after this request
            wait = self._sent_at + self._gap - time.monotonic()
            if wait > 0:
                self._timer = threading.Timer(wait, self._fire)
                self._timer.start()
                return
            self._sent_at = time.monotonic()
        self._send()

    def _fire(self) -> None:
        with self._lock:
            self._timer = None
            self._sent_at = time.monotonic()
        self._send()


_nudge = Coalesced(lambda: task_publish(ROUTE_PENDING_TASK), NUDGE_GAP_SECONDS)


def signals_routing_request() -> None:
    """Once this transaction commits, have the new signals routed (within NUDGE_GAP_SECONDS)."""
    transaction.on_commit(_nudge)
