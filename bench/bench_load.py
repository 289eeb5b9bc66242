"""Investigators browsing while detectors ingest: 50 signed-in users walk the case queue (first
and next page, a filter, a search), a case page and its tabs, the case's accounts and one account
page, and the dashboard, with a short think time between pages; meanwhile one detector pushes
batches of 1,000 signals (2 accounts × 3 attributes each) paced to 5,000 signals/s for 60 s, and
a Celery worker routes them. All of it over HTTP against gunicorn: the pages from the web's,
the batches (unless --no-ingest-server) from an ingestion gunicorn of their own
(QUARRY_SERVICE=ingest) at a lower CPU priority, the deployment docs/capacity.md recommends.

The baseline, side by side in the same run: the same browsing for a shorter time with no
ingestion. Reported per page type: p50/p95 idle and under load and the ratio of the p95s; total
requests; errors (any answer ≥ 400, a timeout or a connection error, browsing or ingesting);
the ingestion rate achieved. Exits non-zero if there was any error.

    DATABASE_URL=postgres://.../quarry_bench CELERY_BROKER_URL=redis://... \\
        python -m bench.run bench_load [--users=50 --rate=5000 --seconds=60 ...]

(bench.run passes on only the arguments that start with a dash: write options as --name=value.)

The database is seeded with `seed_bench` (sizes below) unless it holds that many cases already.
The client runs in processes of its own (browsers in two, the detector in one), so that its own
work does not queue behind one interpreter lock; it shares the machine's cores with the server."""

import argparse
import html
import multiprocessing
import random
import re
import statistics
import threading
import time
import uuid
from collections import defaultdict

from .common import (
    bodies,
    cleanup,
    free_port,
    routing_backlog_clear,
    start_gunicorn,
    start_worker,
    stop,
)

PAGE_TYPES = [
    "dashboard",
    "queue",
    "queue next page",
    "queue filtered",
    "queue search",
    "case page",
    "case tab",
    "case accounts",
    "account page",
]
FILTERS = [
    "queue=all&severity=high",
    "queue=all&severity=critical",
    "queue=all&state=investigating",
    "queue=mine",
    "queue=all&sort=severity",
]
SEARCHES = ["proxies", "hydra", "distillation", "payment", "keys", "northwind"]
TABS = ["timeline", "accounts", "signals", "evidence", "notes", "exports"]
TIMEOUT = 30.0  # seconds; a page slower than this counts as an error
_CASE_LINK = re.compile(r'href="/cases/(QRY-\d{4}-\d+)/"')
_NEXT_LINK = re.compile(r'<a href="\?([^"]*)"[^>]*rel="next"')
_ACCOUNT_LINK = re.compile(r'href="/accounts/(\d+)/"')


class _Stop(Exception):
    """The phase is over."""


# ---------------------------------------------------------------- one request


def _request(
    port: int, timeout: float, method: str, path: str, **kwargs
) -> tuple[int | str, bytes]:
    """One request on a new connection: the status and body, or for a failure a status that
    names it ("timeout", "connection: …") and no body."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, **kwargs)
        response = conn.getresponse()
        return response.status, response.read()
    except TimeoutError:
        return "timeout", b""
    except (OSError, http.client.HTTPException) as exc:
        return f"connection: {type(exc).__name__}", b""
    finally:
        conn.close()


# ---------------------------------------------------------------- the browsing users


def _user(
    port: int, cookie: str, seed: int, until: float, think: float, stagger: bool, out: list
) -> None:
    """`stagger`: the user arrives somewhere in its first think time, as people do, rather
    than every user asking for the dashboard in the same instant (--no-stagger: that burst)."""
    rng = random.Random(seed)
    if stagger:
        time.sleep(rng.uniform(0, think))

    def get(kind: str, path: str) -> str:
        if time.time() >= until:
            raise _Stop
        started = time.perf_counter()
        status, body = _request(
            port, TIMEOUT, "GET", path, headers={"Cookie": f"sessionid={cookie}"}
        )
        text = body.decode("utf-8", "replace") if isinstance(status, int) and status < 400 else ""
        out.append((kind, (time.perf_counter() - started) * 1000, status, path))
        time.sleep(think * rng.uniform(0.5, 1.5))
        return text

    try:
        while True:
            get("dashboard", "/")
            first = get("queue", "/cases/")
            found = _CASE_LINK.findall(first)
            following = _NEXT_LINK.search(first)
            if following:
                found += _CASE_LINK.findall(
                    get("queue next page", "/cases/?" + html.unescape(following.group(1)))
                )
            found += _CASE_LINK.findall(get("queue filtered", "/cases/?" + rng.choice(FILTERS)))
            found += _CASE_LINK.findall(
                get("queue search", f"/cases/?queue=all&q={rng.choice(SEARCHES)}")
            )
            if not found:
                continue
            number = rng.choice(found)
            get("case page", f"/cases/{number}/")
            for tab in rng.sample(TABS, 2):
                get("case tab", f"/cases/{number}/?tab={tab}")
            accounts = _ACCOUNT_LINK.findall(get("case accounts", f"/cases/{number}/accounts/"))
            if accounts:
                get("account page", f"/accounts/{rng.choice(accounts)}/")
    except _Stop:
        return


def _browse(port, cookies, seed, start_at, seconds, think, stagger, results) -> None:
    """One client process: a thread per user, all starting at `start_at`."""
    out: list = []
    until = start_at + seconds
    threads = [
        threading.Thread(target=_user, args=(port, c, seed * 1000 + i, until, think, stagger, out))
        for i, c in enumerate(cookies)
    ]
    time.sleep(max(0.0, start_at - time.time()))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results.put(out)


# ---------------------------------------------------------------- the detector


def _detect(port, token, payloads, batch, rate, seconds, concurrency, start_at, results) -> None:
    """Batch i is due at start + i × batch / rate. Nothing is sent once the window is over: when
    the server cannot keep the pace the batches left are dropped, not sent late, and the rate
    reported is what it took. Several connections, so that one slow answer does not hold the
    schedule up."""
    import json

    interval = batch / rate
    lock = threading.Lock()
    state = {"next": 0}
    out: list = []
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}

    def run() -> None:
        while True:
            with lock:
                i = state["next"]
                state["next"] += 1
            due = start_at + i * interval
            if i >= len(payloads) or max(due, time.time()) >= start_at + seconds:
                return
            lag = time.time() - due
            if lag < 0:
                time.sleep(-lag)
            started = time.perf_counter()
            created = duplicate = 0
            status, body = _request(
                port, 120, "POST", "/api/v1/signals", body=payloads[i], headers=headers
            )
            if status in (200, 201):
                report = json.loads(body)
                created, duplicate = report["created"], report["duplicate"]
            out.append((max(lag, 0.0), (time.perf_counter() - started) * 1000, status, created,
                        duplicate, time.time()))  # fmt: skip

    threads = [threading.Thread(target=run) for _ in range(concurrency)]
    time.sleep(max(0.0, start_at - time.time()))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results.put(out)


# ---------------------------------------------------------------- set-up and the phases


def _setup_django() -> None:
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _seed(args) -> None:
    from django.core.management import call_command

    from cases.models import Case

    have = Case.objects.count()
    if have >= args.cases:
        print(f"data: {have} cases already there (no seeding)")
        return
    started = time.perf_counter()
    call_command(
        "seed_bench",
        cases=args.cases,
        signals=args.signals,
        accounts=args.accounts,
        big_case_signals=args.big_case_signals,
        stdout=open("/dev/null", "w"),  # noqa: SIM115 - its progress lines are not ours
    )
    print(
        f"data: seeded {args.cases} cases, {args.signals} signals, {args.accounts} accounts "
        f"in {time.perf_counter() - started:.0f}s"
    )


def _settle() -> None:
    """Start both phases from the same state: no routing backlog (seed_bench leaves part of its
    signals unrouted, and the worker would route those before the detector's), fresh statistics,
    no dead rows from an earlier run's clean-up."""
    from django.db import connection

    from cases.counts import case_counts_compact
    from cases.models import Case
    from detection.counts import signal_counts_compact
    from detection.models import Signal

    started = time.perf_counter()
    backlog = routing_backlog_clear()
    if backlog:
        print(
            f"set-up: routed the {backlog:,} signals left unrouted in "
            f"{time.perf_counter() - started:.0f}s"
        )
    started = time.perf_counter()
    # Beat folds the dashboard's kept counts every few minutes; the benchmark runs no beat.
    case_counts_compact()
    signal_counts_compact()
    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM (ANALYZE) detection_signal, detection_signalaccount, accounts_account, "
            "accounts_accountattribute, accounts_caseaccount, cases_case, cases_caseevent"
        )
        cursor.execute("SELECT count(*) FROM accounts_account")
        accounts = cursor.fetchone()[0]
    print(
        f"data: {Case.objects.count():,} cases, {Signal.objects.count():,} signals, "
        f"{accounts:,} accounts (vacuum and analyze {time.perf_counter() - started:.0f}s)"
    )


def _sessions(count: int) -> list[str]:
    """One signed-in session per simulated user, spread over seed_bench's lead and its eight
    investigators (each sees the queue its role and memberships allow)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    names = ["bench_lead"] + [f"bench_inv{i}" for i in range(1, 9)]
    users = list(get_user_model().objects.filter(username__in=names).order_by("username"))
    if not users:
        raise SystemExit("bench_load: no bench users; seed_bench did not run")
    cookies = []
    for n in range(count):
        client = Client()
        client.force_login(users[n % len(users)])
        cookies.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
    return cookies


def _phase(
    port, cookies, procs, seconds, think, stagger, detector=None
) -> tuple[list, list | None]:
    """Browse for `seconds` (and, with `detector`, ingest at the same time); the samples.
    `detector` starts with the port the batches go to."""
    from django.db import connections

    connections.close_all()  # the children are forked: they must not share our connection
    results = multiprocessing.Queue()
    start_at = time.time() + 1.0
    chunks = [cookies[i::procs] for i in range(procs)]
    children = [
        multiprocessing.Process(
            target=_browse,
            args=(port, chunk, n + 1, start_at, seconds, think, stagger, results),
        )
        for n, chunk in enumerate(chunks)
    ]
    if detector is not None:
        children.append(
            multiprocessing.Process(target=_detect, args=(*detector, start_at, results))
        )
    for child in children:
        child.start()
    collected = [results.get() for _ in children]  # before join: a full pipe would block them
    for child in children:
        child.join()
    pages = [s for chunk in collected for s in chunk if len(s) == 4]
    ingest = [s for chunk in collected for s in chunk if len(s) == 6] if detector else None
    return pages, ingest


def _p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, int(round(q * len(ordered))) - 1))]


def _is_error(status) -> bool:
    return not isinstance(status, int) or status >= 400


def _report_pages(idle: list, load: list) -> int:
    by_idle, by_load = defaultdict(list), defaultdict(list)
    for kind, ms, status, _ in idle:
        if not _is_error(status):
            by_idle[kind].append(ms)
    for kind, ms, status, _ in load:
        if not _is_error(status):
            by_load[kind].append(ms)
    print(
        f"{'page':18} {'idle n':>7} {'p50':>7} {'p95':>7}   {'load n':>7} {'p50':>7} {'p95':>7}"
        f"   {'p95 load/idle':>13}"
    )
    rows = [*PAGE_TYPES, "all pages"]
    by_idle["all pages"] = [ms for k in PAGE_TYPES for ms in by_idle[k]]
    by_load["all pages"] = [ms for k in PAGE_TYPES for ms in by_load[k]]
    for kind in rows:
        a, b = by_idle[kind], by_load[kind]
        if not a or not b:
            print(f"{kind:18} {len(a):7} {'-':>7} {'-':>7}   {len(b):7} {'-':>7} {'-':>7}")
            continue
        print(
            f"{kind:18} {len(a):7} {statistics.median(a):7.0f} {_p(a, 0.95):7.0f}   "
            f"{len(b):7} {statistics.median(b):7.0f} {_p(b, 0.95):7.0f}   "
            f"{_p(b, 0.95) / _p(a, 0.95):13.2f}"
        )
    errors = [s for s in idle + load if _is_error(s[2])]
    for kind, ms, status, path in errors[:10]:
        print(f"  error: {kind} {path} → {status} after {ms:.0f} ms")
    return len(errors)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench_load")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument(
        "--no-stagger",
        action="store_true",
        help="start every user at the same instant (the harness before 2026-11-30)",
    )
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds between pages")
    parser.add_argument("--rate", type=int, default=5000, help="signals/s offered")
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=60, help="the loaded phase")
    parser.add_argument("--idle-seconds", type=int, default=30, help="the baseline phase")
    parser.add_argument("--warmup-seconds", type=int, default=10)
    parser.add_argument("--signal-accounts", type=int, default=20_000)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--signals", type=int, default=500_000)
    parser.add_argument("--accounts", type=int, default=50_000)
    parser.add_argument("--big-case-signals", type=int, default=5_000)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--route-workers", type=int, default=1)
    parser.add_argument("--route-nice", type=int, default=10)
    parser.add_argument("--ingest-connections", type=int, default=6)
    parser.add_argument("--client-procs", type=int, default=2)
    parser.add_argument(
        "--ingest-server",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="batches to an ingestion gunicorn of their own (default) or to the web's",
    )
    parser.add_argument("--ingest-workers", type=int, default=2)
    parser.add_argument("--ingest-threads", type=int, default=2)
    parser.add_argument("--ingest-nice", type=int, default=10)
    args, _ = parser.parse_known_args(argv)
    stagger = not args.no_stagger
    _setup_django()
    from django.db import connection

    from config.celery import app
    from detection.services import detector_create

    _seed(args)
    _settle()
    cookies = _sessions(args.users)
    run = "l" + uuid.uuid4().hex[:7]
    detector, token = detector_create(name=f"bench-load-{run}")
    total = args.rate * args.seconds
    payloads = bodies(run, total, args.batch, args.signal_accounts)
    app.control.purge()  # nudges left by an earlier run
    port = free_port()
    web = start_gunicorn(port, args.workers, args.threads, deployed=True)
    ingest_port, ingest_server = port, None
    if args.ingest_server:
        ingest_port = free_port()
        ingest_server = start_gunicorn(
            ingest_port,
            args.ingest_workers,
            args.ingest_threads,
            nice=args.ingest_nice,
            service="ingest",
        )
    worker = start_worker(concurrency=args.route_workers, nice=args.route_nice)
    ingesting = (
        f"ingestion gunicorn: {args.ingest_workers} workers × {args.ingest_threads} threads "
        f"at nice {args.ingest_nice}"
        if args.ingest_server
        else "ingestion through the web's gunicorn"
    )
    print(
        f"gunicorn: {args.workers} workers × {args.threads} threads; {ingesting}; routing worker: "
        f"{args.route_workers} process(es) at nice {args.route_nice}; {args.users} users, think time "
        f"{args.think:.1f}s ± 50%, "
        f"{'arriving together' if args.no_stagger else 'arriving over their first think time'}, "
        f"client timeout {TIMEOUT:.0f}s"
    )
    try:
        time.sleep(2)  # let the worker connect
        _phase(port, cookies, args.client_procs, args.warmup_seconds, args.think, stagger)
        idle, _ = _phase(port, cookies, args.client_procs, args.idle_seconds, args.think, stagger)
        load, ingest = _phase(
            port,
            cookies,
            args.client_procs,
            args.seconds,
            args.think,
            stagger,
            detector=(
                ingest_port,
                token,
                payloads,
                args.batch,
                args.rate,
                args.seconds,
                args.ingest_connections,
            ),
        )
        ended = time.time()
        with connection.cursor() as c:
            c.execute(
                "SELECT count(*), count(routed_at) FROM detection_signal WHERE detector_id = %s",
                [detector.pk],
            )
            stored, routed_at_end = c.fetchone()
        pending = stored - routed_at_end
        while pending and time.time() - ended < 60:
            time.sleep(1)
            with connection.cursor() as c:
                c.execute(
                    "SELECT count(*) FROM detection_signal "
                    "WHERE detector_id = %s AND routed_at IS NULL",
                    [detector.pk],
                )
                pending = c.fetchone()[0]
        routed_after = time.time() - ended
        with connection.cursor() as c:
            c.execute(
                "SELECT count(DISTINCT case_id) FROM detection_signal WHERE detector_id = %s",
                [detector.pk],
            )
            fed_cases = c.fetchone()[0]
    finally:
        stop(worker)
        if ingest_server is not None:
            stop(ingest_server)
        stop(web)

    print(
        f"\nbrowsing: baseline {args.idle_seconds}s without ingestion, then {args.seconds}s "
        f"with it; times in ms, client-side (request sent → body read)"
    )
    page_errors = _report_pages(idle, load)
    first = min(s[5] - s[1] / 1000 for s in ingest) if ingest else ended
    last = max(s[5] for s in ingest) if ingest else ended
    acknowledged = sum(s[3] + s[4] for s in ingest)
    ingest_errors = [s for s in ingest if _is_error(s[2])]
    achieved = acknowledged / (last - first) if last > first else 0.0
    batch_ms = [s[1] for s in ingest if not _is_error(s[2])]
    print(
        f"\ningestion: offered {args.rate:,}/s for {args.seconds}s in batches of {args.batch} "
        f"over {args.ingest_connections} connections; {len(ingest)} batches sent, "
        f"{acknowledged:,} signals acknowledged ({stored:,} stored) in {last - first:.1f}s "
        f"= {achieved:,.0f} signals/s achieved ({achieved / args.rate:.2f} of offered)"
    )
    if batch_ms:
        print(
            f"  batch time p50 {statistics.median(batch_ms):.0f} ms, p95 {_p(batch_ms, 0.95):.0f}"
            f" ms; sender behind schedule by up to {max(s[0] for s in ingest):.2f}s"
        )
    print(
        f"  routing: {routed_at_end:,} of {stored:,} routed when the window closed; "
        + (
            f"all routed {routed_after:.1f}s later"
            if not pending
            else f"{pending:,} still unrouted {routed_after:.0f}s later"
        )
    )
    print(f"  cases the routing attached these signals to (kept in the database): {fed_cases}")
    requests = len(idle) + len(load) + len(ingest)
    errors = page_errors + len(ingest_errors)
    for _lag, ms, status, *_ in ingest_errors[:5]:
        print(f"  ingestion error: {status} after {ms:.0f} ms")
    print(
        f"\nrequests: {requests:,} ({len(idle):,} pages idle, {len(load):,} pages under load, "
        f"{len(ingest)} ingestion batches); errors: {errors}"
    )
    with connection.cursor() as c:
        cleanup(c, [detector.pk], [f"{run}-"])
    return 1 if errors else 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
