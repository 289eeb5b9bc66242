"""A reference detector: a feed server that serves a synthetic distillation campaign (see
campaign.py) through the pull-feed contract. `manage.py reference_detector` runs it; `make run`
registers it as a pull detector; tests and benchmarks start it in-process.

Signal number i is a pure function of (seed, i), so the feed can be as long as wanted without
holding it in memory, and any page can be served again identically. The cursor is the number
of the next signal. With a rate, signals "happen" at that rate from start-up, as a live
detector's would; without one the whole feed is available at once.

For tests, `faults` is a list of misbehaviours served one per request before normal pages:
"500", "timeout" (answers after `timeout_delay` seconds), "garbage" (a 200 that is not JSON),
"bad_shape" (JSON without a `signals` array), "reset" (closes the connection)."""

import json
import random
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from .campaign import KINDS_WEIGHTED, CampaignAccount, campaign_accounts, severity_for

MAX_LIMIT = 5000


class CampaignFeed:
    def __init__(
        self,
        *,
        accounts: int = 3000,
        seed: int = 11,
        total: int | None = None,
        rate: float | None = None,
        start: datetime | None = None,
        invalid_every: int = 0,
        clusters: int | None = None,
        cluster_every: int = 0,
    ):
        self.accounts: list[CampaignAccount] = campaign_accounts(count=accounts, seed=seed)
        self.by_cluster: dict[int, list[CampaignAccount]] = {}
        for account in self.accounts:
            self.by_cluster.setdefault(account.cluster, []).append(account)
        self.seed = seed
        self.total = total
        self.rate = rate
        self.started = time.monotonic()
        # A live feed starts where its first client stands, so that a restarted reference
        # detector goes on producing new signals for a detector that already polled it.
        self.base: int | None = None
        # Signals are observed in the past, never ahead of now (Quarry refuses those): a fixed
        # feed's signals all happened before start-up, a live one's from start-up on.
        self.start = start or datetime.now(UTC) - timedelta(seconds=(total or 0) / 100)
        self.invalid_every = invalid_every
        # A demo shows a few cases forming, not one per cluster a minute: signals come from
        # the first `clusters` clusters only, one more joining every `cluster_every` signals.
        self.clusters = clusters
        self.cluster_every = cluster_every
        self._kinds = [k for k, _ in KINDS_WEIGHTED]
        self._weights = [w for _, w in KINDS_WEIGHTED]

    def available(self) -> int:
        if self.rate is None:
            return self.total or 0
        live = (self.base or 0) + int(self.rate * (time.monotonic() - self.started))
        return live if self.total is None else min(self.total, live)

    def _account_json(self, account: CampaignAccount) -> dict:
        return {
            "external_id": account.external_id,
            "name": account.name,
            "email": account.email,
            "organisation": account.organisation,
            "country": account.country,
            "signup_at": account.signup_at.isoformat(),
            "attributes": [{"type": t, "value": v} for t, v in account.attributes],
        }

    def _first_account(self, rng: random.Random, index: int) -> CampaignAccount:
        if not self.clusters:
            return self.accounts[rng.randrange(len(self.accounts))]
        active = self.clusters
        if self.cluster_every:
            active = min(self.clusters, 1 + index // self.cluster_every)
        cluster = sorted(self.by_cluster)[rng.randrange(min(active, len(self.by_cluster)))]
        pool = self.by_cluster[cluster]
        return pool[rng.randrange(len(pool))]

    def signal(self, index: int) -> dict:
        rng = random.Random(self.seed * 1_000_003 + index)
        first = self._first_account(rng, index)
        mates = self.by_cluster[first.cluster]
        involved = {first.external_id: first, **{m.external_id: m for m in [rng.choice(mates)]}}
        kind = rng.choices(self._kinds, self._weights)[0]
        confidence = rng.randint(30, 99)
        severity = severity_for(confidence)
        item = {
            "external_id": f"ref-{self.seed:02d}-{index:09d}",
            "kind": kind,
            "severity": severity,
            "confidence": confidence,
            "observed_at": (
                self.start + timedelta(seconds=(index - (self.base or 0)) / (self.rate or 100))
            ).isoformat(),
            "summary": f"{kind.replace('_', ' ')} on {first.external_id} (cluster {first.cluster})",
            "accounts": [self._account_json(a) for a in involved.values()],
            "observables": [{"type": "asn", "value": a.attributes[-1][1]} for a in [first]],
            "payload": {"cluster_hint": first.cluster, "requests": rng.randint(50, 5000)},
        }
        if self.invalid_every and index % self.invalid_every == self.invalid_every - 1:
            item["confidence"] = 250  # a detector bug: the feed must record it and move on
        return item

    def page(self, cursor: str, limit: int) -> dict:
        start = int(cursor) if cursor.isdigit() else 0
        if self.base is None and self.rate is not None:
            self.base, self.started = start, time.monotonic()
        end = min(start + max(1, min(limit, MAX_LIMIT)), self.available())
        return {
            "signals": [self.signal(i) for i in range(start, max(start, end))],
            "next_cursor": str(max(start, end)),
        }


def make_server(
    feed: CampaignFeed,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    auth_header: str = "",
    faults: list[str] | None = None,
    timeout_delay: float = 3.0,
) -> ThreadingHTTPServer:
    pending = list(faults or [])
    lock = threading.Lock()
    expected = None
    if auth_header:
        name, _, value = auth_header.partition(":")
        expected = (name.strip(), value.strip())

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def _send(self, code: int, body: bytes, content_type: str = "application/json") -> None:
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            url = urlparse(self.path)
            if url.path.rstrip("/") != "/feed":
                self._send(404, b'{"detail": "not found"}')
                return
            if expected and self.headers.get(expected[0]) != expected[1]:
                self._send(401, b'{"detail": "bad feed credentials"}')
                return
            with lock:
                fault = pending.pop(0) if pending else None
            if fault == "500":
                self._send(500, b'{"detail": "internal error"}')
            elif fault == "timeout":
                time.sleep(timeout_delay)
                self._send(503, b'{"detail": "too late"}')
            elif fault == "garbage":
                self._send(200, b"<html>upstream proxy error</html>", "text/html")
            elif fault == "bad_shape":
                self._send(200, b'{"items": []}')
            elif fault == "reset":
                self.close_connection = True
                self.connection.shutdown(2)
            else:
                query = parse_qs(url.query)
                cursor = query.get("cursor", ["0"])[0] or "0"
                limit = int(query.get("limit", ["1000"])[0] or 1000)
                self._send(200, json.dumps(feed.page(cursor, limit)).encode())

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server


def serve_in_thread(server: ThreadingHTTPServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return thread
