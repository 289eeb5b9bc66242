"""Sustained signal ingestion over HTTP (the ingestion service's gunicorn, batches of 1,000
signals naming 2 accounts with 3 attributes each) against a raw psycopg COPY of the same rows
into the same tables, and re-sending every stored signal again.

Targets: HTTP ≥ 20,000 signals/s; re-sending ≥ first ingestion's rate."""

import argparse
import http.client
import json
import threading
import time
import uuid

from django.db import connection

from detection.services import detector_create

from .common import bodies, cleanup, free_port, signal_batch, start_gunicorn, tables_settle

TARGET = 20_000


def _send_all(port: int, token: str, payloads: list[bytes], concurrency: int) -> tuple[float, dict]:
    """Send every batch over `concurrency` kept-alive connections, as a detector's pool would."""
    queue = list(enumerate(payloads))
    lock = threading.Lock()
    totals = {"created": 0, "duplicate": 0, "rejected": 0, "errors": 0}
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}

    def run():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while True:
            with lock:
                if not queue:
                    break
                _, body = queue.pop()
            try:
                conn.request("POST", "/api/v1/signals", body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
            except (http.client.HTTPException, ConnectionError):
                # The server closed an idle connection: open another and resend (idempotent).
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                conn.request("POST", "/api/v1/signals", body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
            with lock:
                if response.status in (200, 201):
                    report = json.loads(data)
                    for key in ("created", "duplicate", "rejected"):
                        totals[key] += report[key]
                else:
                    totals["errors"] += 1
        conn.close()

    threads = [threading.Thread(target=run) for _ in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started, totals


def _copy_baseline(run: str, total: int, batch: int, accounts: int, detector_id: int) -> float:
    """The same rows, written by the fastest means PostgreSQL has: COPY, no checks, no upsert."""
    items = [i for s in range(0, total, batch) for i in signal_batch(run, s, batch, accounts)]
    account_rows = {a["external_id"]: a for i in items for a in i["accounts"]}
    raw = connection.connection
    started = time.perf_counter()
    with raw.transaction(), raw.cursor() as cur:
        with cur.copy(
            "COPY accounts_account (external_id, name, email, organisation, country, "
            "platform_status, first_seen_at) FROM STDIN"
        ) as copy:
            for ext in account_rows:
                copy.write_row((ext, "", "", "", "", "active", "now"))
        cur.execute(
            "SELECT external_id, id FROM accounts_account WHERE external_id LIKE %s",
            [f"{run}-acct-%"],
        )
        ids = dict(cur.fetchall())
        with cur.copy(
            "COPY accounts_accountattribute (account_id, type, value, first_seen_at) FROM STDIN"
        ) as copy:
            seen = set()
            for ext, a in account_rows.items():
                for attr in a["attributes"]:
                    key = (ids[ext], attr["type"], attr["value"])
                    if key not in seen:
                        seen.add(key)
                        copy.write_row((*key, "now"))
        with cur.copy(
            "COPY detection_signal (detector_id, external_id, kind, severity, confidence, "
            "observed_at, received_at, summary, observables, payload) FROM STDIN"
        ) as copy:
            for i in items:
                copy.write_row(
                    (
                        detector_id,
                        i["external_id"],
                        i["kind"],
                        i["severity"],
                        i["confidence"],
                        i["observed_at"],
                        "now",
                        i["summary"],
                        "[]",
                        json.dumps(i["payload"]),
                    )
                )
        cur.execute(
            "SELECT external_id, id FROM detection_signal WHERE detector_id = %s", [detector_id]
        )
        signal_ids = dict(cur.fetchall())
        with cur.copy("COPY detection_signalaccount (signal_id, account_id) FROM STDIN") as copy:
            for i in items:
                for a in {a["external_id"] for a in i["accounts"]}:
                    copy.write_row((signal_ids[i["external_id"]], ids[a]))
    return time.perf_counter() - started


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench_ingest")
    parser.add_argument("--signals", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=4)
    args, _ = parser.parse_known_args(argv)
    run = "b" + uuid.uuid4().hex[:8]
    detector, token = detector_create(name=f"bench-ingest-{run}")
    copy_detector, _ = detector_create(name=f"bench-copy-{run}")
    payloads = bodies(run, args.signals, args.batch, args.accounts)
    with connection.cursor() as cursor:
        print(f"set-up: vacuum and analyze {tables_settle(cursor):.0f}s")
    port = free_port()
    server = start_gunicorn(port, args.workers, args.threads, service="ingest")
    try:
        first_s, first = _send_all(port, token, payloads, args.concurrency)
        again_s, again = _send_all(port, token, payloads, args.concurrency)
    finally:
        server.terminate()
        server.wait(30)
    with connection.cursor() as cursor:
        tables_settle(cursor)
    copy_s = _copy_baseline(
        "c" + run[1:], args.signals, args.batch, args.accounts, copy_detector.pk
    )
    first_rate, again_rate, copy_rate = (
        args.signals / first_s,
        args.signals / again_s,
        args.signals / copy_s,
    )
    print(f"signals: {args.signals} in batches of {args.batch}, 2 accounts × 3 attributes each")
    print(
        f"gunicorn workers: {args.workers} × {args.threads} threads, "
        f"client connections (kept alive): {args.concurrency}"
    )
    print(f"first ingestion over HTTP: {first_rate:,.0f} signals/s ({first_s:.2f}s) {first}")
    print(f"re-sending the same:       {again_rate:,.0f} signals/s ({again_s:.2f}s) {again}")
    print(f"raw psycopg COPY baseline: {copy_rate:,.0f} signals/s ({copy_s:.2f}s)")
    print(f"ratio HTTP ingestion / COPY: {first_rate / copy_rate:.2f}")
    print(f"ratio re-send / first ingestion: {again_rate / first_rate:.2f}")
    print(f"target ≥ {TARGET:,} signals/s: {'met' if first_rate >= TARGET else 'MISSED'}")
    ok = (
        first_rate >= TARGET
        and again_rate >= first_rate
        and first["created"] == args.signals
        and again["duplicate"] == args.signals
    )
    with connection.cursor() as cursor:
        cleanup(cursor, [detector.pk, copy_detector.pk], [f"{run}-", f"c{run[1:]}-"])
    return 0 if ok else 1
