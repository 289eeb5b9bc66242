"""Polling a pull feed: failures back off, bad items are recorded, nothing is lost or doubled."""

import json

import pytest
import requests

from detection.feeds import _page_fast, backoff_delay, feed_fetch, feed_poll, feeds_claim_due
from detection.models import Detector, DetectorFeedState, FeedPoll, RejectedSignal, Signal
from detection.services import detector_create
from detection.validation import signal_validate
from devdata.reference_feed import CampaignFeed, make_server, serve_in_thread

from .conftest import signal_json, signals_comparable

TOTAL = 2500


@pytest.fixture
def feed_settings(settings):
    settings.QUARRY_FEED_TIMEOUT_SECONDS = 0.5
    settings.QUARRY_FEED_PAGE_SIZE = 1000
    return settings


@pytest.fixture
def serve():
    servers = []

    def start(feed: CampaignFeed, **kwargs) -> str:
        server = make_server(feed, timeout_delay=1.5, **kwargs)
        serve_in_thread(server)
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}/feed"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _pull_detector(url: str, auth_header: str = "Authorization: Bearer feed-secret") -> Detector:
    detector, _ = detector_create(
        name="reference", pull=True, feed_url=url, feed_auth_header=auth_header
    )
    return detector


def _poll_until_caught_up(detector: Detector, attempts: int = 20) -> list:
    outcomes = []
    for _ in range(attempts):
        outcome = feed_poll(detector_id=detector.pk)
        outcomes.append(outcome)
        if outcome.caught_up:
            break
    return outcomes


def test_a_feed_that_fails_every_way_then_recovers_loses_and_doubles_nothing(
    db, feed_settings, serve
):
    feed = CampaignFeed(accounts=200, total=TOTAL)
    url = serve(
        feed,
        auth_header="Authorization: Bearer feed-secret",
        faults=["500", "timeout", "garbage", "bad_shape", "reset"],
    )
    detector = _pull_detector(url)
    outcomes = _poll_until_caught_up(detector)
    assert [bool(o.error) for o in outcomes[:5]] == [True] * 5
    assert outcomes[-1].caught_up
    assert Signal.objects.filter(detector=detector).count() == TOTAL
    detector.refresh_from_db()
    assert detector.feed_cursor == str(TOTAL)
    expected = {f"ref-11-{i:09d}" for i in range(TOTAL)}
    assert set(Signal.objects.values_list("external_id", flat=True)) == expected


def test_each_failure_is_recorded_and_backs_off(db, feed_settings, serve):
    url = serve(CampaignFeed(accounts=50, total=10), faults=["500", "500"])
    detector = _pull_detector(url, auth_header="")
    feed_poll(detector_id=detector.pk)
    feed_poll(detector_id=detector.pk)
    state = DetectorFeedState.objects.get(detector=detector)
    detector.refresh_from_db()
    assert state.consecutive_failures == 2 and state.next_poll_at is not None
    assert "HTTP 500" in detector.last_error
    assert FeedPoll.objects.filter(detector=detector).exclude(error="").count() == 2
    assert detector.feed_cursor == ""


def test_backoff_grows_exponentially_and_is_capped():
    for failures in range(1, 12):
        delay = backoff_delay(failures, base=2.0, cap=60.0)
        ceiling = min(60.0, 2.0 * 2 ** (failures - 1))
        assert ceiling / 2 <= delay <= ceiling


def test_a_poll_after_success_clears_the_failure_count(db, feed_settings, serve):
    url = serve(CampaignFeed(accounts=50, total=10), faults=["500"])
    detector = _pull_detector(url, auth_header="")
    feed_poll(detector_id=detector.pk)
    feed_poll(detector_id=detector.pk)
    assert DetectorFeedState.objects.get(detector=detector).consecutive_failures == 0


def test_invalid_items_are_recorded_as_rejected_and_the_feed_moves_on(db, feed_settings, serve):
    url = serve(CampaignFeed(accounts=50, total=100, invalid_every=10))
    detector = _pull_detector(url, auth_header="")
    outcome = feed_poll(detector_id=detector.pk)
    assert outcome.caught_up and outcome.rejected == 10
    assert Signal.objects.count() == 90
    rejected = RejectedSignal.objects.filter(detector=detector)
    assert rejected.count() == 10 and set(rejected.values_list("field", flat=True)) == {
        "confidence"
    }
    detector.refresh_from_db()
    assert detector.feed_cursor == "100"


def test_polling_a_caught_up_feed_again_stores_nothing_new(db, feed_settings, serve):
    url = serve(CampaignFeed(accounts=50, total=30))
    detector = _pull_detector(url, auth_header="")
    feed_poll(detector_id=detector.pk)
    again = feed_poll(detector_id=detector.pk)
    assert again.created == 0 and Signal.objects.count() == 30


def test_a_wrong_feed_credential_is_a_failure_not_a_silent_empty_feed(db, feed_settings, serve):
    url = serve(CampaignFeed(accounts=50, total=30), auth_header="Authorization: Bearer right")
    detector = _pull_detector(url, auth_header="Authorization: Bearer wrong")
    outcome = feed_poll(detector_id=detector.pk)
    assert "HTTP 401" in outcome.error


def test_a_due_feed_is_claimed_once(db, feed_settings, serve):
    url = serve(CampaignFeed(accounts=50, total=30))
    detector = _pull_detector(url, auth_header="")
    assert feeds_claim_due() == [detector.pk]
    assert feeds_claim_due() == []


def test_a_disabled_feed_is_not_polled(db, feed_settings, serve):
    url = serve(CampaignFeed(accounts=50, total=30))
    detector = _pull_detector(url, auth_header="")
    Detector.objects.filter(pk=detector.pk).update(enabled=False)
    assert feeds_claim_due() == []
    assert feed_poll(detector_id=detector.pk).pages == 0


def test_a_plain_page_is_read_in_one_pass_as_the_slow_way_would_read_it(db, feed_settings, serve):
    url = serve(CampaignFeed(accounts=50, total=20))
    detector = _pull_detector(url, auth_header="")
    page = feed_fetch(detector, "", 10)
    assert page.checked and page.next_cursor == "10" and len(page.signals) == 10
    raw = requests.get(url, params={"cursor": "", "limit": 10}, timeout=5).json()["signals"]
    assert signals_comparable(page.signals) == signals_comparable([signal_validate(i) for i in raw])


def test_a_page_the_fast_path_does_not_take_is_read_the_slow_way(db, feed_settings, serve):
    url = serve(CampaignFeed(accounts=50, total=20, invalid_every=5))
    detector = _pull_detector(url, auth_header="")
    page = feed_fetch(detector, "", 10)
    assert not page.checked and len(page.signals) == 10 and isinstance(page.signals[0], dict)
    item = json.dumps(signal_json(1)).encode()
    assert _page_fast(b'{"signals": [' + item + b'], "next_cursor": "7"}').next_cursor == "7"
    assert _page_fast(b'{"signals": [' + item + b'], "next_cursor": [1]}') is None
    assert _page_fast(b'{"signals": [' + item + b'], "next_cursor": "' + b"x" * 501 + b'"}') is None


def test_a_feed_lease_shorter_than_a_poll_fails_the_start_up_checks(settings):
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    call_command("check")  # the defaults pass
    settings.QUARRY_FEED_POLL_BUDGET_SECONDS = 100
    settings.QUARRY_FEED_TIMEOUT_SECONDS = 30
    settings.QUARRY_FEED_LEASE_SECONDS = 130
    with pytest.raises(SystemCheckError, match="QUARRY_FEED_LEASE_SECONDS \\(130\\) must be"):
        call_command("check")
    settings.QUARRY_FEED_LEASE_SECONDS = 131
    call_command("check")


def test_the_next_poll_is_due_an_interval_after_the_last_one_began(db, feed_settings, serve):
    from datetime import timedelta

    from django.utils import timezone

    url = serve(CampaignFeed(total=TOTAL))
    detector = _pull_detector(url, auth_header="")
    Detector.objects.filter(pk=detector.pk).update(poll_interval_seconds=5)
    for _ in range(20):
        began = timezone.now()
        if feed_poll(detector_id=detector.pk).caught_up:
            break
    ended = timezone.now()
    assert ended - began > timedelta(milliseconds=200)  # long enough to tell the two apart
    due = DetectorFeedState.objects.get(detector=detector).next_poll_at
    # Due five seconds after the poll began (moments after `began`), not after it ended.
    assert timedelta(0) <= due - timedelta(seconds=5) - began < (ended - began) / 2


def test_the_beat_looks_for_due_feeds_every_second(settings):
    assert settings.CELERY_BEAT_SCHEDULE["detection-feeds-poll-due"]["schedule"] <= 1.0
