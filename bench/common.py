"""Shared pieces of the detection benchmarks: a gunicorn against the benchmark's database,
batches shaped like the issue's (2 accounts × 3 attributes per signal), and clean-up."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from devdata.worker import celery_worker_argv

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(
    port: int,
    workers: int = 3,
    threads: int = 1,
    env: dict | None = None,
    nice: int = 0,
    *,
    service: str = "web",
    deployed: bool = False,
) -> subprocess.Popen:
    """Sync workers by default; with threads > 1 the gthread worker, which also keeps client
    connections alive between requests. `env` adds to (or overrides) this process's environment,
    e.g. a DATABASE_URL of its own; `nice` lowers its CPU priority. `service="ingest"` runs the
    ingestion service as deployed: QUARRY_SERVICE=ingest and config/gunicorn.py's settings for
    it (the workers and threads given here override the file's); `deployed=True` runs the web
    with that file's settings too."""
    threaded = ["--worker-class", "gthread", "--threads", str(threads)] if threads > 1 else []
    if service != "web":
        env = {"QUARRY_SERVICE": service, **(env or {})}
    if service != "web" or deployed:
        threaded = ["-c", "python:config.gunicorn", "--threads", str(threads)]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            *threaded,
            "--log-level",
            "warning",
            "--timeout",
            "120",
        ],
        cwd=ROOT,
        env={**os.environ, "SECURE_COOKIES": "0", **(env or {})},
        preexec_fn=(lambda: os.nice(nice)) if nice else None,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            # The sign-in form needs no database (the API's throttle counters are in it).
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5)
            return proc
        except urllib.error.HTTPError:  # an answer: the ingestion service has no pages
            return proc
        except Exception:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("gunicorn did not start")


def signal_batch(run: str, start: int, size: int, accounts: int) -> list[dict]:
    items = []
    for n in range(start, start + size):
        a, b = (n * 7) % accounts, (n * 7 + 1) % accounts
        items.append(
            {
                "external_id": f"{run}-{n:08d}",
                "kind": "volume_anomaly",
                "severity": "low",
                "confidence": 40 + n % 40,
                "observed_at": "2026-11-27T09:00:00Z",
                "summary": "bench",
                "accounts": [
                    {
                        "external_id": f"{run}-acct-{x}",
                        "attributes": [
                            {"type": "payment_fingerprint", "value": f"{run}-pf-{x // 20}"},
                            {"type": "device_fingerprint", "value": f"{run}-dv-{x // 10}"},
                            {"type": "ip", "value": f"10.{x % 250}.{x // 250 % 250}.7"},
                        ],
                    }
                    for x in (a, b)
                ],
                "payload": {"requests": n % 5000},
            }
        )
    return items


def bodies(run: str, total: int, batch: int, accounts: int) -> list[bytes]:
    return [
        json.dumps({"signals": signal_batch(run, s, batch, accounts)}).encode()
        for s in range(0, total, batch)
    ]


def cleanup(cursor, detector_ids: list[int], account_prefixes: list[str]) -> None:
    cursor.execute(
        "DELETE FROM detection_signalaccount WHERE signal_id IN "
        "(SELECT id FROM detection_signal WHERE detector_id = ANY(%s))",
        [detector_ids],
    )
    cursor.execute("DELETE FROM detection_signal WHERE detector_id = ANY(%s)", [detector_ids])
    for prefix in account_prefixes:
        cursor.execute(
            "DELETE FROM accounts_accountattribute WHERE account_id IN "
            "(SELECT id FROM accounts_account WHERE external_id LIKE %s)",
            [prefix + "%"],
        )
        cursor.execute(
            "DELETE FROM accounts_caseaccount WHERE account_id IN "
            "(SELECT id FROM accounts_account WHERE external_id LIKE %s)",
            [prefix + "%"],
        )
        # Routing clusters the accounts it sees; Django's cascade is not the database's.
        cursor.execute(
            "DELETE FROM accounts_clustermember WHERE account_id IN "
            "(SELECT id FROM accounts_account WHERE external_id LIKE %s)",
            [prefix + "%"],
        )
        cursor.execute("DELETE FROM accounts_account WHERE external_id LIKE %s", [prefix + "%"])
    for table in ("detection_feedpoll", "detection_rejectedsignal", "detection_detectorfeedstate"):
        cursor.execute(f"DELETE FROM {table} WHERE detector_id = ANY(%s)", [detector_ids])
    cursor.execute("DELETE FROM detection_detector WHERE id = ANY(%s)", [detector_ids])
    cursor.execute(
        "UPDATE accounts_cluster c SET size = 0, dissolved_at = now(), updated_at = now() "
        "WHERE c.dissolved_at IS NULL AND NOT EXISTS "
        "(SELECT 1 FROM accounts_clustermember m WHERE m.cluster_id = c.id)"
    )


def start_worker(
    *, concurrency: int = 2, pool: str = "prefork", env: dict | None = None, nice: int = 0
):
    """`nice` lowers its CPU priority (and its pool's), as `make run` runs it."""
    return subprocess.Popen(
        celery_worker_argv(pool=pool, concurrency=concurrency),
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        preexec_fn=(lambda: os.nice(nice)) if nice else None,
    )


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()


def routing_backlog_clear() -> int:
    """Route, here and now, every signal earlier runs left unrouted (an ingestion benchmark runs
    no worker), and drop the routing nudges they queued: a routing measurement must not begin by
    working off somebody else's backlog. Returns how many signals that was."""
    from config.celery import app
    from detection.models import Signal
    from routing.tasks import signals_route_pending

    backlog = Signal.objects.filter(routed_at__isnull=True).count()
    if backlog:
        signals_route_pending()
    app.control.purge()
    return backlog


HOT_TABLES = (
    "detection_signal, detection_signalaccount, accounts_account, accounts_accountattribute"
)


def tables_settle(cursor) -> float:
    """VACUUM (ANALYZE) the tables ingestion writes, before a measurement: an earlier run's
    clean-up leaves hundreds of thousands of dead rows, and autovacuum clearing them in the
    middle of the next run took as much CPU as the ingestion itself. Returns the seconds."""
    started = time.perf_counter()
    cursor.execute(f"VACUUM (ANALYZE) {HOT_TABLES}")
    return time.perf_counter() - started


def superuser_url(database: str = "postgres") -> str:
    """A login that may create databases, for the benchmarks that seed their own:
    BENCH_SUPERUSER_URL, else DATABASE_URL (CI's is the server's superuser), else the embedded
    server's `postgres` superuser (local connections are trusted there)."""
    from config import embedded_pg

    url = os.environ.get("BENCH_SUPERUSER_URL") or os.environ.get("DATABASE_URL")
    if not url:
        return f"postgres://postgres@127.0.0.1:{embedded_pg.port()}/{database}"
    return url.rsplit("/", 1)[0] + f"/{database}"


def database_url(alias: str, database: str) -> str:
    """The URL of settings.DATABASES[alias]'s login on another database of the same server."""
    from django.conf import settings

    db = settings.DATABASES[alias]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST']}:{db['PORT']}/{database}"
