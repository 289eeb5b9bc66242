"""End to end with a real Celery worker (a subprocess pointed at the test database), on the
test run's broker (Redis in CI, the filesystem transport on a laptop) and on RabbitMQ: signals
pushed over HTTP or pulled by beat's poll get routed into cases."""

import os

import pytest

from cases.models import Case
from detection.models import Signal
from detection.services import detector_create
from devdata.reference_feed import CampaignFeed, make_server, serve_in_thread
from tests.worker import broker_at, start_worker, stop_worker, wait_for

from .conftest import signal_json

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


# The machine's RabbitMQ, on its default virtual host. CI names it (and starts it if it is
# down), so there it must answer; elsewhere a machine without one skips these runs.
RABBITMQ_URL = os.environ.get("QUARRY_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")


def _rabbitmq_answers() -> bool:
    from kombu import Connection

    try:
        with Connection(RABBITMQ_URL, connect_timeout=3) as connection:
            connection.ensure_connection(max_retries=1)
        return True
    except Exception:
        return False


@pytest.fixture(params=["default broker", "rabbitmq"])
def worker(request):
    if request.param == "default broker":
        process = start_worker()
        yield process
        stop_worker(process)
        return
    if "QUARRY_TEST_AMQP_URL" not in os.environ and not _rabbitmq_answers():
        pytest.skip(f"no RabbitMQ at {RABBITMQ_URL} (set QUARRY_TEST_AMQP_URL to require one)")
    with broker_at(RABBITMQ_URL):
        process = start_worker({"CELERY_BROKER_URL": RABBITMQ_URL})
        yield process
        stop_worker(process)


def test_a_pushed_strong_signal_is_routed_into_a_case_by_the_worker(worker, post_signals):
    detector, token = detector_create(name="prada")
    response = post_signals(signal_json(1), token)
    assert response.status_code == 201
    signal = Signal.objects.get(detector=detector)
    assert wait_for(lambda: Signal.objects.filter(pk=signal.pk, case__isnull=False).exists())
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
        assert wait_for(lambda: Signal.objects.filter(detector=detector).count() == 300)
        assert wait_for(lambda: not Signal.objects.filter(routed_at__isnull=True).exists())
        assert Case.objects.exists()
        detector.refresh_from_db()
        assert detector.feed_cursor == "300"
    finally:
        server.shutdown()
        server.server_close()
