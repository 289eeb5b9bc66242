"""Celery beat's scheduler, with two duties of its own.

- It touches beat's heartbeat file (core/heartbeat.py) on every tick, so a health check sees a
  beat that stopped ticking.
- It runs the recovery sweep itself, every QUARRY_RECOVERY_SWEEP_SECONDS, in beat's process:
  publishing again the exports and cluster recomputes nobody is doing (ops/recovery.py) and
  removing orphaned upload temp files (core/uploads.py). As a task it would wait in the queue
  of the very worker it is meant to recover; here it needs only PostgreSQL and the broker's
  publish side. A wedged worker is the watchdog's business (core/watchdog.py)."""

import logging
import time

from django.conf import settings
from django.db import close_old_connections
from django_celery_beat.schedulers import DatabaseScheduler

from core.heartbeat import heartbeat_path, heartbeat_touch
from core.uploads import upload_tmp_sweep

from .recovery import work_recover

log = logging.getLogger(__name__)


def recovery_sweep() -> None:
    close_old_connections()
    try:
        work_recover()
        upload_tmp_sweep()
    finally:
        close_old_connections()


class RecoveringScheduler(DatabaseScheduler):
    def __init__(self, *args, **kwargs) -> None:
        self._heartbeat = heartbeat_path("beat")
        self._next_sweep = 0.0
        super().__init__(*args, **kwargs)

    def tick(self, *args, **kwargs):
        heartbeat_touch(self._heartbeat)
        if time.monotonic() >= self._next_sweep:
            self._next_sweep = time.monotonic() + settings.QUARRY_RECOVERY_SWEEP_SECONDS
            try:
                recovery_sweep()
            except Exception:  # the database may be down: beat itself must go on
                log.exception(
                    "recovery sweep failed; next try in %ss", settings.QUARRY_RECOVERY_SWEEP_SECONDS
                )
        return min(super().tick(*args, **kwargs), 5.0)
