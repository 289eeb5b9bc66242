"""A real Celery worker for the tests that need one: a subprocess on the same broker as the test
process (Redis in CI, the filesystem transport under var/ on a laptop), pointed at the test
database."""

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

from devdata.worker import celery_worker_argv

from .database import app_login_url

ROOT = Path(__file__).resolve().parents[1]


def service_env() -> dict[str, str]:
    """The environment that points a Quarry process (worker, beat, web) at the test database
    and the test run's broker."""
    return {
        "DATABASE_URL": app_login_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "QUARRY_CELERY_QUEUE_DIR": str(settings.CELERY_QUEUE_DIR),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }


def start_worker(
    extra_env: dict[str, str] | None = None,
    *,
    prefork: bool = False,
    concurrency: int = 1,
    purge: bool = True,
) -> subprocess.Popen:
    """A worker with the solo pool, or with `prefork` a parent and `concurrency` child
    processes that run the tasks, as in production. It leads its own process group, so
    `kill_worker` can take down parent and children at once. `purge=False` keeps what earlier
    workers left queued."""
    from config.celery import app

    if purge:
        app.control.purge()  # tasks left by earlier tests point at rows that no longer exist
    env = {**os.environ, **service_env(), **(extra_env or {})}
    return subprocess.Popen(
        celery_worker_argv(pool="prefork" if prefork else "solo", concurrency=concurrency),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def stop_worker(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        kill_worker(process)


def kill_worker(process: subprocess.Popen) -> None:
    """SIGKILL the worker's whole process group, the way an OOM killer or a lost node ends it:
    no signal handler runs, nothing is acknowledged or rejected."""
    with contextlib.suppress(ProcessLookupError):  # the group is gone already
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def wait_for(predicate: Callable[[], bool], seconds: float = 90.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def beat_until(
    predicate: Callable[[], bool], task, *, every: float = 1.0, seconds: float = 90.0
) -> bool:
    """Stand in for celery beat: publish `task` every `every` seconds until `predicate` holds."""
    last = float("-inf")

    def tick() -> bool:
        nonlocal last
        if time.monotonic() - last >= every:
            last = time.monotonic()
            task.delay()
        return predicate()

    return wait_for(tick, seconds)


@contextmanager
def broker_at(url: str):
    """Point this process's Celery app at `url`. Celery reads CELERY_BROKER_URL from the
    environment before its configuration, so setting `app.conf.broker_url` alone is not enough
    wherever that variable is set (CI)."""
    from config.celery import app

    def reconnect() -> None:
        # Celery caches the connection pool and the producer pool built on it.
        app._pool = None
        app.amqp._producer_pool = None

    saved_env = os.environ.get("CELERY_BROKER_URL")
    saved = app.conf.broker_url, app.conf.broker_transport_options
    os.environ["CELERY_BROKER_URL"] = url
    app.conf.broker_url, app.conf.broker_transport_options = url, {}
    reconnect()
    try:
        yield
    finally:
        if saved_env is None:
            del os.environ["CELERY_BROKER_URL"]
        else:
            os.environ["CELERY_BROKER_URL"] = saved_env
        app.conf.broker_url, app.conf.broker_transport_options = saved
        reconnect()
