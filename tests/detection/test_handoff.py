"""Routing nudges: one per gap per process, and always one after the last commit."""

import threading
import time
from itertools import pairwise

from detection.handoff import Coalesced

GAP = 0.1


def _recorder():
    sent: list[float] = []
    done = threading.Event()

    def send():
        sent.append(time.monotonic())
        done.set()

    return sent, done, send


def _settle():
    time.sleep(GAP * 3)


def test_a_burst_sends_one_nudge_at_once_and_one_after_the_gap():
    sent, _, send = _recorder()
    nudge = Coalesced(send, GAP)
    for _ in range(50):
        nudge()
    last_request = time.monotonic()
    assert len(sent) == 1  # the first, at once
    _settle()
    assert len(sent) == 2  # the rest, by one timer at the gap's end
    assert sent[1] >= last_request
    assert sent[1] - sent[0] >= GAP * 0.9


def test_a_request_long_after_the_last_nudge_is_sent_at_once():
    sent, _, send = _recorder()
    nudge = Coalesced(send, GAP)
    nudge()
    _settle()
    nudge()
    assert len(sent) == 2


def test_every_request_is_followed_by_a_nudge_whatever_the_timing():
    """Requests from several threads over several gaps: after each request a nudge is sent,
    and never two within a gap."""
    sent, _, send = _recorder()
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
    _settle()
    assert sent and max(sent) >= max(requests)
    assert all(b - a >= GAP * 0.9 for a, b in pairwise(sent))
    assert len(sent) <= (max(requests) - min(requests)) / GAP + 2
