"""Polling a feed of 1,000,000 signals with one Celery worker (solo pool); the worker's peak
RSS must stay under 300 MB. The baseline, side by side: fetching the same pages without
storing them (the feed server's and HTTP's own speed); the ratio is poll rate / fetch rate."""

import argparse
import subprocess
import sys
import time
import urllib.request
import uuid

import psutil
from django.db import connection

from detection.services import detector_create

from .common import ROOT, cleanup, free_port, start_worker, stop

TARGET_MB = 300


def _rss_mb(proc: psutil.Process) -> float:
    try:
        procs = [proc, *proc.children(recursive=True)]
        return sum(p.memory_info().rss for p in procs) / 2**20
    except psutil.Error:
        return 0.0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench_poll")
    parser.add_argument("--signals", type=int, default=1_000_000)
    parser.add_argument("--page", type=int, default=1000)
    parser.add_argument("--baseline-pages", type=int, default=50)
    args, _ = parser.parse_known_args(argv)
    port = free_port()
    seed = 40 + int(time.time()) % 50  # its own accounts (acct_<seed>…), removed afterwards
    feed = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "reference_detector",
            "--port",
            str(port),
            "--rate",
            "0",
            "--total",
            str(args.signals),
            "--accounts",
            "25000",
            "--seed",
            str(seed),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/feed"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{url}?cursor=0&limit=1", timeout=5).read()
            break
        except Exception:
            time.sleep(0.3)
    started = time.perf_counter()
    for i in range(args.baseline_pages):
        urllib.request.urlopen(f"{url}?cursor={i * args.page}&limit={args.page}", timeout=60).read()
    fetch_rate = args.baseline_pages * args.page / (time.perf_counter() - started)

    run = uuid.uuid4().hex[:6]
    detector, _ = detector_create(name=f"bench-poll-{run}", pull=True, feed_url=url)
    worker = start_worker(
        concurrency=1,
        pool="solo",
        env={"QUARRY_FEED_POLL_BUDGET_SECONDS": "100000", "QUARRY_FEED_PAGE_SIZE": str(args.page)},
    )
    peak = 0.0
    try:
        time.sleep(3)
        from detection.tasks import feed_poll

        started = time.perf_counter()
        feed_poll.delay(detector.pk)
        handle = psutil.Process(worker.pid)
        target = str(args.signals)
        while True:
            peak = max(peak, _rss_mb(handle))
            detector.refresh_from_db(fields=["feed_cursor"])
            if detector.feed_cursor == target:
                break
            if worker.poll() is not None:
                raise RuntimeError("the worker died")
            time.sleep(0.5)
        poll_s = time.perf_counter() - started
    finally:
        stop(worker)
        stop(feed)
    with connection.cursor() as c:
        c.execute("SELECT count(*) FROM detection_signal WHERE detector_id = %s", [detector.pk])
        stored = c.fetchone()[0]
    poll_rate = args.signals / poll_s
    print(f"feed: {args.signals:,} signals in pages of {args.page}")
    print(f"polled and stored {stored:,} in {poll_s:.1f}s = {poll_rate:,.0f} signals/s")
    print(
        f"baseline fetch only ({args.baseline_pages} pages): {fetch_rate:,.0f} signals/s; "
        f"ratio poll/fetch: {poll_rate / fetch_rate:.2f}"
    )
    print(f"worker peak RSS: {peak:.0f} MB (target < {TARGET_MB} MB)")
    with connection.cursor() as c:
        cleanup(c, [detector.pk], [f"acct_{seed:02d}"])
    from config.celery import app

    app.control.purge()
    return 0 if stored == args.signals and peak < TARGET_MB else 1
