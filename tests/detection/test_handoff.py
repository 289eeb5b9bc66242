"""Routing nudges: one per gap per process, and always one after the last commit."""

import threading
import time
from itertools import pairwise

from detection.handoff import Coalesced

GAP = 0.1


def _recorder():
    sent: list[float] = []

    def send():
        sent.append(time.monotonic())

    return sent, send


def _settle(sent: list, count: int):
    """Wait until `count` nudges are sent (timers may be late on a busy machine), then a few
    gaps more, in which no other may come."""
    deadline = time.monotonic() + 10
    while len(sent) < count and time.monotonic() < deadline:
        time.sleep(GAP / 10)
    time.sleep(GAP * 3)
    assert len(sent) == count


def test_a_burst_sends_one_nudge_at_once_and_one_after_the_gap():
    sent, send = _recorder()
    nudge = Coalesced(send, GAP)
    for _ in range(50):
        nudge()
    last_request = time.monotonic()
    assert len(sent) == 1  # the first, at once
    _settle(sent, 2)  # the rest, by one timer at the gap's end
    assert sent[1] >= last_request
    assert sent[1] - sent[0] >= GAP / 2  # see the last test


def test_a_request_long_after_the_last_nudge_is_sent_at_once():
    sent, send = _recorder()
    nudge = Coalesced(send, GAP)
    nudge()
    time.sleep(GAP * 2)
    nudge()
    assert len(sent) == 2


def test_every_request_is_followed_by_a_nudge_whatever_the_timing():
    """Requests from several threads over several gaps: after each request a nudge is sent,
    and never two within a gap."""
    sent, send = _recorder()
    nudge = Coalesced(send, GAP)
    requests: list[float] = []
    lock = threading.Lock()

    def client():
        for _ in range(40):
            with lock:
                requests.append(time.monotonic())
            nudge()
            time.sleep(0.007)

    threads = [threading.Thread(target=client) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    deadline = time.monotonic() + 10  # timers may be late on a busy machine, never early
    while not (sent and max(sent) >= max(requests)) and time.monotonic() < deadline:
        time.sleep(GAP / 10)
    assert sent and max(sent) >= max(requests)
    # Sent without a gap, they would be a few milliseconds apart; a thread may be held up
    # between taking its turn and sending, hence half a gap.
    assert all(b - a >= GAP / 2 for a, b in pairwise(sent))
    assert len(sent) <= (max(requests) - min(requests)) / GAP + 2
