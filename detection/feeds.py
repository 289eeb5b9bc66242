"""Polling pull detectors.

A feed answers `GET <feed_url>?cursor=<cursor>&limit=<n>` with
`{"signals": [...], "next_cursor": "..."}`. A page is fetched outside any transaction, then its
items are stored and the cursor moved in one transaction, so a crash between the two can only
fetch a page again (at least once), never skip it; and re-storing a page is harmless because
signals are idempotent (exactly-once effect). The cursor moves by compare-and-set: a poll that
finds the cursor moved by someone else stores nothing.

Timeouts, 5xx, 4xx, connection errors and malformed pages are failures: the feed backs off
exponentially with jitter. Items that fail validation are recorded as rejected and the feed
moves on, so one bad item never stalls it."""

import json
import random
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

import msgspec
import requests
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from .handoff import signals_routing_request
from .ingestion import ingest_items
from .known_accounts import known_accounts
from .models import Detector, DetectorFeedState, DetectorMode, FeedPoll, RejectedSignal
from .validation import signal_validate, signals_decode_fast


class FeedError(Exception):
    """The feed did not answer with a usable page; try again later."""


@dataclass
class Page:
    signals: list  # raw items, or SignalIn if `checked`
    next_cursor: str | None
    checked: bool = False


class _PageCursor(msgspec.Struct):
    next_cursor: str | int | None = None


_page_cursor = msgspec.json.Decoder(_PageCursor).decode


def _page_fast(content: bytes) -> Page | None:
    """A page of plain, valid signals, decoded and checked in one pass as pushed batches are
    (validation.signals_decode_fast); None to read it the slow way, which decides."""
    signals = signals_decode_fast(content, known_accounts().wire)
    if signals is None:
        return None
    try:
        next_cursor = _page_cursor(content).next_cursor
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None
    if next_cursor is not None and len(str(next_cursor)) > 500:
        return None
    return Page(signals, None if next_cursor is None else str(next_cursor), checked=True)


def _setting(name: str, default):
    return getattr(settings, name, default)


def feed_fetch(detector: Detector, cursor: str, limit: int) -> Page:
    headers = {"Accept": "application/json"}
    if detector.feed_auth_header:
        name, _, value = detector.feed_auth_header.partition(":")
        headers[name.strip()] = value.strip()
    timeout = _setting("QUARRY_FEED_TIMEOUT_SECONDS", 30)
    try:
        response = requests.get(
            detector.feed_url,
            params={"cursor": cursor, "limit": limit},
            headers=headers,
            timeout=(min(5, timeout), timeout),
        )
    except requests.Timeout:
        raise FeedError(f"timed out after {timeout}s") from None
    except requests.RequestException as exc:
        raise FeedError(f"connection failed: {exc.__class__.__name__}: {exc}") from None
    if response.status_code != 200:
        raise FeedError(f"HTTP {response.status_code}: {response.text[:200]}")
    page = _page_fast(response.content)
    if page is not None:
        return page
    try:
        body = response.json()
    except (ValueError, json.JSONDecodeError):
        raise FeedError(f"malformed page (not JSON): {response.text[:100]!r}") from None
    if not isinstance(body, dict) or not isinstance(body.get("signals"), list):
        raise FeedError("malformed page: expected an object with a `signals` array")
    next_cursor = body.get("next_cursor")
    if next_cursor is not None and not isinstance(next_cursor, str | int):
        raise FeedError("malformed page: `next_cursor` must be a string, a number or null")
    if next_cursor is not None and len(str(next_cursor)) > 500:
        raise FeedError("malformed page: `next_cursor` is longer than 500 characters")
    return Page(body["signals"], None if next_cursor is None else str(next_cursor))


@transaction.atomic
def feed_page_store(*, detector: Detector, cursor: str, page: Page) -> dict | None:
    """Store one page and move the cursor past it, or store nothing if the cursor moved."""
    now = timezone.now()
    new_cursor = page.next_cursor if page.next_cursor is not None else cursor
    moved = Detector.objects.filter(pk=detector.pk, feed_cursor=cursor).update(
        feed_cursor=new_cursor, last_success_at=now
    )
    if not moved:
        return None
    report, created_ids = ingest_items(
        detector, page.signals, None if page.checked else signal_validate
    )
    rejected = [e for e in report["items"] if e["status"] == "rejected"]
    if rejected:
        RejectedSignal.objects.bulk_create(
            [
                RejectedSignal(
                    detector=detector,
                    at=now,
                    cursor=cursor,
                    index=e["index"],
                    external_id=(e["external_id"] or "")[:200],
                    field=(e["errors"][0]["field"] or "(item)")[:100],
                    message="; ".join(f"{x['field']}: {x['message']}" for x in e["errors"]),
                    item=page.signals[e["index"]]
                    if isinstance(page.signals[e["index"]], dict)
                    else {"raw": repr(page.signals[e["index"]])[:1000]},
                )
                for e in rejected
            ]
        )
    FeedPoll.objects.create(
        detector=detector,
        at=now,
        cursor_before=cursor,
        cursor_after=new_cursor,
        created=report["created"],
        duplicates=report["duplicate"],
        rejected=report["rejected"],
    )
    DetectorFeedState.objects.filter(detector=detector).update(
        consecutive_failures=0,
        items_total=F("items_total") + len(page.signals),
        rejected_total=F("rejected_total") + len(rejected),
    )
    if created_ids:
        signals_routing_request()
    return report


def backoff_delay(failures: int, *, base: float, cap: float) -> float:
    """Exponential backoff with jitter: a random point in the upper half of base·2^(n-1)."""
    ceiling = min(cap, base * 2 ** max(0, failures - 1))
    return random.uniform(ceiling / 2, ceiling)


def _record_failure(detector: Detector, cursor: str, error: str) -> None:
    now = timezone.now()
    state, _ = DetectorFeedState.objects.get_or_create(detector=detector)
    failures = state.consecutive_failures + 1
    delay = backoff_delay(
        failures,
        base=_setting("QUARRY_FEED_BACKOFF_BASE_SECONDS", 2.0),
        cap=_setting("QUARRY_FEED_BACKOFF_CAP_SECONDS", 300.0),
    )
    DetectorFeedState.objects.filter(pk=state.pk).update(
        consecutive_failures=failures,
        next_poll_at=now + timedelta(seconds=delay),
        lease_until=None,
    )
    Detector.objects.filter(pk=detector.pk).update(last_error_at=now, last_error=error[:2000])
    FeedPoll.objects.create(
        detector=detector, at=now, cursor_before=cursor, cursor_after=cursor, error=error[:2000]
    )


@dataclass
class PollOutcome:
    pages: int = 0
    created: int = 0
    duplicates: int = 0
    rejected: int = 0
    error: str = ""
    caught_up: bool = False


def feed_poll(*, detector_id: int, max_seconds: float | None = None) -> PollOutcome:
    """Fetch and store pages until the feed is caught up, fails, or the time budget is spent.

    While a page is being stored, the next one is already being fetched (its cursor is known
    from the page in hand): the feed's latency overlaps the database's work. The cursor still
    moves only when a page is stored; a prefetched page whose predecessor was not stored is
    dropped."""
    outcome = PollOutcome()
    budget = (
        max_seconds if max_seconds is not None else _setting("QUARRY_FEED_POLL_BUDGET_SECONDS", 50)
    )
    limit = _setting("QUARRY_FEED_PAGE_SIZE", 1000)
    started = time.monotonic()
    # The next poll is due an interval after this one began, not after it ended: a poll that
    # takes two seconds on a five-second interval must not make it a seven-second one.
    began_at = timezone.now()
    detector = Detector.objects.filter(pk=detector_id, mode=DetectorMode.PULL, enabled=True).first()
    if detector is None:
        return outcome
    state, _ = DetectorFeedState.objects.get_or_create(detector=detector)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="feed-prefetch") as prefetch:
        cursor = detector.feed_cursor
        pending = prefetch.submit(feed_fetch, detector, cursor, limit)
        while True:
            try:
                page = pending.result()
            except FeedError as exc:
                _record_failure(detector, cursor, str(exc))
                outcome.error = str(exc)
                return outcome
            caught_up = len(page.signals) < limit or page.next_cursor in (None, cursor)
            in_budget = time.monotonic() - started <= budget
            if not caught_up and in_budget:
                pending = prefetch.submit(feed_fetch, detector, page.next_cursor, limit)
            report = feed_page_store(detector=detector, cursor=cursor, page=page)
            if report is None:  # another poll moved the cursor: let it carry on
                return outcome
            outcome.pages += 1
            outcome.created += report["created"]
            outcome.duplicates += report["duplicate"]
            outcome.rejected += report["rejected"]
            cursor = page.next_cursor if page.next_cursor is not None else cursor
            if caught_up or not in_budget:
                now = timezone.now()
                outcome.caught_up = caught_up
                due = began_at + timedelta(seconds=detector.poll_interval_seconds)
                fields = {"next_poll_at": due if caught_up else now, "lease_until": None}
                if caught_up:
                    fields["caught_up_at"] = now
                DetectorFeedState.objects.filter(pk=state.pk).update(**fields)
                return outcome


def feeds_claim_due(*, lease_seconds: int | None = None) -> list[int]:
    """Pull detectors whose next poll is due, each claimed with a lease by a conditional UPDATE
    so that two beats (or a slow poll) never poll one feed twice at once. A poll clears its
    lease when it ends; one killed with its worker leaves it to run out
    (QUARRY_FEED_LEASE_SECONDS), and the next beat after that polls the feed again from its
    stored cursor."""
    if lease_seconds is None:
        lease_seconds = _setting("QUARRY_FEED_LEASE_SECONDS", 120)
    now = timezone.now()
    due = []
    for detector in Detector.objects.filter(mode=DetectorMode.PULL, enabled=True).only("id"):
        DetectorFeedState.objects.get_or_create(detector=detector)
        claimed = (
            DetectorFeedState.objects.filter(detector=detector)
            .filter(Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now))
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lte=now))
            .update(lease_until=now + timedelta(seconds=lease_seconds))
        )
        if claimed:
            due.append(detector.pk)
    return due


def feed_health(detector: Detector) -> dict:
    """Last success, last error, lag and items per minute over the last ten minutes."""
    now = timezone.now()
    state = DetectorFeedState.objects.filter(detector=detector).first()
    recent = FeedPoll.objects.filter(detector=detector, at__gte=now - timedelta(minutes=10))
    sums = recent.aggregate(c=Sum("created"), d=Sum("duplicates"), r=Sum("rejected"))
    items = sum(v or 0 for v in sums.values())
    caught_up_at = state.caught_up_at if state else None
    return {
        "last_success_at": detector.last_success_at,
        "last_error_at": detector.last_error_at,
        "last_error": detector.last_error,
        "lag_seconds": (now - caught_up_at).total_seconds() if caught_up_at else None,
        "items_per_minute": items / 10,
        "consecutive_failures": state.consecutive_failures if state else 0,
        "next_poll_at": state.next_poll_at if state else None,
        "cursor": detector.feed_cursor,
    }
