"""The Celery worker's watchdog: a thread in the worker's main process that notices a pool that
no longer starts work, and ends the worker so that its supervisor starts a fresh one.

Why a pool wedges: with a broker whose kombu transport has no event loop (the filesystem
transport of `make run`), Celery runs billiard's threaded prefork pool, whose children read
jobs from one shared pipe under one shared lock, and an idle child waits for the next job
holding that lock. A child killed there (`kill -9`, the OOM killer) never releases it: no child
of the pool, old or new, can read a job again. The parent still receives messages, up to its
prefetch limit, and hands them to a pool nobody reads — `celery inspect reserved` lists them
with no worker pid, `active` stays empty, and nothing else runs. Redis and RabbitMQ have an
event loop; their pool gives each child its own pipes and recovers by itself.

The symptom is generic, so the watchdog checks for it rather than for the cause: a task message
received (not an ETA task) and not started for QUARRY_WORKER_STALL_SECONDS while the pool has a
free slot. Then it lets go of the dead child's read lock (the warm shutdown would wait for it
forever) and stops the worker the way SIGTERM does: the warm shutdown gives unacknowledged
messages back to the broker. If the worker is still alive QUARRY_WORKER_STALL_EXIT_SECONDS
later it exits at once (code 75). While the pool is healthy it touches the worker's heartbeat
file (core/heartbeat.py) every few seconds, for supervisors that check it."""

import logging
import os
import signal
import threading
import time

from celery.worker import state

from config.env import env_int

from .heartbeat import heartbeat_path, heartbeat_touch

log = logging.getLogger(__name__)

EXIT_WEDGED = 75  # EX_TEMPFAIL: restart me
INTERVAL = 2.0


class PoolWatchdog:
    def __init__(self, *, pool, stall_seconds: float, exit_seconds: float) -> None:
        self.pool = pool  # the worker's pool: how many tasks it runs at once
        self.stall_seconds = stall_seconds
        self.exit_seconds = exit_seconds
        self.heartbeat = heartbeat_path("worker")
        self.waiting_since: dict[str, float] = {}

    def oldest_wait(self, now: float) -> float:
        """Seconds the longest-waiting runnable message has waited for a free pool slot."""
        active = list(state.active_requests)
        waiting = {
            request.id
            for request in list(state.reserved_requests)
            if request not in active and request.eta is None
        }
        if len(active) >= self.pool.num_processes:
            waiting = set()  # every slot busy: waiting is normal
        self.waiting_since = {rid: self.waiting_since.get(rid, now) for rid in waiting}
        return max((now - since for since in self.waiting_since.values()), default=0.0)

    def shared_lock_free(self) -> None:
        """Let go of the threaded pool's shared read lock if someone holds it: by now its
        holder is dead (a live one would have read the waiting jobs). Without this the warm
        shutdown waits for that lock forever, and never gives the messages back."""
        inqueue = getattr(getattr(self.pool, "_pool", None), "_inqueue", None)
        lock = getattr(inqueue, "_rlock", None)  # None: the event-loop pool, one pipe per child
        if lock is None:
            return
        if lock.acquire(False):  # free: the pool is stuck some other way
            lock.release()
            return
        log.error("watchdog: the pool's read lock is held by a dead process; releasing it")
        lock.release()

    def run(self) -> None:
        while True:
            try:
                waited = self.oldest_wait(time.monotonic())
            except (RuntimeError, AttributeError):
                # The main thread changed the request sets meanwhile, or the pool is gone
                # (shutting down): no verdict this time.
                waited = 0.0
            if not self.stall_seconds or waited < self.stall_seconds:
                heartbeat_touch(self.heartbeat)
                time.sleep(INTERVAL)
                continue
            log.error(
                "watchdog: %d task(s) waited %.0fs for a pool process with a free slot; the pool "
                "is wedged. Stopping the worker so that it is restarted.",
                len(self.waiting_since),
                waited,
            )
            self.shared_lock_free()
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(self.exit_seconds)
            log.error("watchdog: the worker did not stop within %ss; exiting", self.exit_seconds)
            logging.shutdown()
            os._exit(EXIT_WEDGED)


def watchdog_start(consumer) -> threading.Thread:
    """Called on `worker_ready` in the worker's main process (config/celery.py). A stall limit
    of 0 keeps the heartbeat and turns the stall check off."""
    watchdog = PoolWatchdog(
        pool=consumer.pool,
        stall_seconds=max(0, env_int("QUARRY_WORKER_STALL_SECONDS", 30)),
        exit_seconds=env_int("QUARRY_WORKER_STALL_EXIT_SECONDS", 20),
    )
    thread = threading.Thread(target=watchdog.run, name="quarry-pool-watchdog", daemon=True)
    thread.start()
    return thread
