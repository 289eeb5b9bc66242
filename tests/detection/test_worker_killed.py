"""A worker SIGKILLed in the middle of a feed poll: its lease keeps other polls off the feed
until it runs out (QUARRY_FEED_LEASE_SECONDS, shortened here), then beat's next claim polls the
feed again from its stored cursor, and every signal ends up stored exactly once."""

import time

import pytest
from django.db.models import Sum
from django.utils import timezone

from detection.models import Detector, DetectorFeedState, FeedPoll, Signal
from detection.services import detector_create
from detection.tasks import feeds_poll_due
from devdata.reference_feed import CampaignFeed, make_server, serve_in_thread
from tests.worker import beat_until, kill_worker, start_worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

TOTAL, PAGE = 1500, 50
WORKER_ENV = {"QUARRY_FEED_PAGE_SIZE": str(PAGE), "QUARRY_FEED_LEASE_SECONDS": "8"}


class SlowFeed(CampaignFeed):
    """Answers each page after a pause, so that a poll of the whole feed takes a few seconds."""

    def page(self, cursor: str, limit: int) -> dict:
        time.sleep(0.15)
        return super().page(cursor, limit)


@pytest.fixture
def feed_url():
    server = make_server(SlowFeed(accounts=100, total=TOTAL))
    serve_in_thread(server)
    yield f"http://127.0.0.1:{server.server_port}/feed"
    server.shutdown()
    server.server_close()


def _cursor(detector: Detector) -> int:
    return int(Detector.objects.get(pk=detector.pk).feed_cursor or 0)


def test_a_poll_killed_midway_is_taken_up_after_its_lease_and_stores_each_signal_once(
    workers, feed_url
):
    detector, _ = detector_create(name="reference", pull=True, feed_url=feed_url)
    workers.append(start_worker(WORKER_ENV, prefork=True))
    feeds_poll_due.delay()
    assert wait_for(lambda: _cursor(detector) >= 6 * PAGE, 60), workers[0].stderr.read().decode()
    kill_worker(workers[0])
    killed_at = timezone.now()
    assert _cursor(detector) < TOTAL  # killed in the middle of the feed
    lease_until = DetectorFeedState.objects.get(detector=detector).lease_until
    assert lease_until is not None  # the dead poll still holds the feed

    workers.append(start_worker(WORKER_ENV, prefork=True, purge=False))
    caught_up = beat_until(
        lambda: (
            _cursor(detector) == TOTAL
            and DetectorFeedState.objects.filter(detector=detector, lease_until=None).exists()
        ),
        feeds_poll_due,
        every=0.5,
        seconds=120,
    )
    assert caught_up, _cursor(detector)
    # The new worker is up well before the lease runs out, and beat asks twice a second; still
    # nobody polled the feed until then.
    later = FeedPoll.objects.filter(detector=detector, at__gt=killed_at)
    assert later.order_by("at").first().at >= lease_until

    assert Signal.objects.filter(detector=detector).count() == TOTAL
    polls = FeedPoll.objects.filter(detector=detector, error="")
    assert polls.aggregate(c=Sum("created"), d=Sum("duplicates")) == {"c": TOTAL, "d": 0}
    # Each page was stored once: the polls that moved the cursor go 0 → 50 → … → TOTAL, no
    # step twice (the last poll also stored the empty page at TOTAL, which moves nothing).
    moved = [p for p in polls if p.cursor_after != p.cursor_before]
    assert sorted(int(p.cursor_before or 0) for p in moved) == list(range(0, TOTAL, PAGE))
    assert all(int(p.cursor_after) == int(p.cursor_before or 0) + PAGE for p in moved)
    assert Detector.objects.get(pk=detector.pk).feed_cursor == str(TOTAL)
