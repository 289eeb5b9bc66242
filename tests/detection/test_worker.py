"""End to end with a real Celery worker (a subprocess on a Redis broker, pointed at the test
database): signals pushed over HTTP or pulled by beat's poll get routed into cases."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from cases.models import Case
from detection.models import Signal
from detection.reference_feed import CampaignFeed, make_server, serve_in_thread
from detection.services import detector_create

from .conftest import signal_json

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

BROKER = os.environ.get("QUARRY_TEST_BROKER_URL", "redis://127.0.0.1:6379/3")
ROOT = Path(__file__).resolve().parents[2]


def _wait_for(predicate, seconds: float = 60.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def worker(django_db_blocker):
    import redis

    try:
        redis.Redis.from_url(BROKER, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.skip(f"needs a Redis broker at {BROKER}: {exc}")
    from config.celery import app

    app.conf.broker_url = BROKER
    app._pool = None
    app.amqp._producer_pool = None
    app.control.purge()
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": BROKER,
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
    )
    yield proc
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
    app.conf.broker_url = os.environ.get("CELERY_BROKER_URL", "filesystem://")
    app._pool = None
    app.amqp._producer_pool = None


def test_a_pushed_strong_signal_is_routed_into_a_case_by_the_worker(worker, post_signals):
    detector, token = detector_create(name="prada")
    response = post_signals(signal_json(1), token)
    assert response.status_code == 201
    signal = Signal.objects.get(detector=detector)
    assert _wait_for(lambda: Signal.objects.filter(pk=signal.pk, case__isnull=False).exists())
    case = Signal.objects.get(pk=signal.pk).case
    assert case.events.filter(kind="signals.attached").exists()


def test_beat_poll_pulls_a_feed_and_its_strong_signals_open_cases(worker, settings):
    server = make_server(CampaignFeed(accounts=100, total=300))
    serve_in_thread(server)
    try:
        detector, _ = detector_create(
            name="reference",
            pull=True,
            feed_url=f"http://127.0.0.1:{server.server_port}/feed",
        )
        from detection.tasks import feeds_poll_due

        feeds_poll_due.delay()
        assert _wait_for(lambda: Signal.objects.filter(detector=detector).count() == 300)
        assert _wait_for(lambda: not Signal.objects.filter(routed_at__isnull=True).exists())
        assert Case.objects.exists()
        detector.refresh_from_db()
        assert detector.feed_cursor == "300"
    finally:
        server.shutdown()
        server.server_close()
