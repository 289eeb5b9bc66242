"""Enqueue a Celery task after the transaction commits, without failing the request when the
broker is down.

The row the task works on is already committed when the publish happens, so an exception here
would turn a saved request into a 500 and lose the nudge silently. Instead the failure is logged
and the row stays in its queued state for the beat sweep that picks up queued work (or a retry
by the person who asked).

A task may be named instead of imported: that is how a lower app starts work that belongs to a
higher one (detection hands new signals to routing) without importing it."""

import logging

from celery import Task, current_app
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerError

log = logging.getLogger(__name__)


def task_publish(task: Task | str, *args) -> bool:
    """Publish now; False (and a log line) when the broker cannot be reached."""
    # A signature of a registered task publishes through the task itself (so eager mode and
    # the task's own options hold); of an unregistered one, by name.
    signature = current_app.signature(task) if isinstance(task, str) else task
    name = task if isinstance(task, str) else task.name
    try:
        signature.apply_async(
            args=args, retry=True, retry_policy={"max_retries": 2, "interval_start": 0.2}
        )
    except (BrokerError, ConnectionError, OSError) as exc:
        log.error("broker unavailable; %s%r stays queued: %s", name, args, exc)
        return False
    return True


def task_enqueue_on_commit(task: Task | str, *args) -> None:
    transaction.on_commit(lambda: task_publish(task, *args))
