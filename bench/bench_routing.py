"""Routing keeps up with ingestion: signals pushed over HTTP at a sustained 5,000 signals/s
(5 batches of 1,000 a second) while a Celery worker routes them; every strong signal must be
attached to a case within 10 s of its ingestion (received_at → routed_at).

The baseline, side by side, is the offered load: the ratio is routed signals/s over offered
signals/s for the same window (≥ 1 means routing kept pace)."""

import argparse
import http.client
import json
import threading
import time
import uuid

from django.db import connection

from cases.models import Case
from detection.models import RoutingSettings
from detection.services import detector_create
from devdata.campaign import campaign_accounts

from .common import (
    cleanup,
    free_port,
    routing_backlog_clear,
    start_gunicorn,
    start_worker,
    stop,
    tables_settle,
)

TARGET_SECONDS = 10.0


def _batches(run: str, seconds: int, rate: int, batch: int) -> list[bytes]:
    accounts = campaign_accounts(count=4000, seed=23, cluster_size=40)
    payloads = []
    n = 0
    for _ in range(seconds * rate // batch):
        items = []
        for _ in range(batch):
            a = accounts[(n * 7919) % len(accounts)]
            confidence = 30 + (n * 37) % 70
            severity = "high" if confidence > 80 else "medium" if confidence > 55 else "low"
            items.append(
                {
                    "external_id": f"{run}-{n:09d}",
                    "kind": "cot_elicitation",
                    "severity": severity,
                    "confidence": confidence,
                    "observed_at": "2026-11-27T09:00:00Z",
                    "accounts": [
                        {
                            "external_id": f"{run}-{a.external_id}",
                            "attributes": [
                                {"type": t, "value": f"{run}-{v}"}
                                for t, v in a.attributes
                                if t in ("payment_fingerprint", "device_fingerprint", "ip")
                            ],
                        }
                    ],
                }
            )
            n += 1
        payloads.append(json.dumps({"signals": items}).encode())
    return payloads


def _post(port: int, token: str, body: bytes) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request(
        "POST",
        "/api/v1/signals",
        body=body,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    response = conn.getresponse()
    response.read()
    conn.close()
    if response.status not in (200, 201):
        raise RuntimeError(f"ingestion answered {response.status}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench_routing")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--rate", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--route-workers", type=int, default=2)
    args, _ = parser.parse_known_args(argv)
    backlog = routing_backlog_clear()
    if backlog:
        print(f"set-up: routed {backlog:,} signals earlier runs had left unrouted")
    with connection.cursor() as cursor:
        print(f"set-up: vacuum and analyze {tables_settle(cursor):.0f}s")
    run = "r" + uuid.uuid4().hex[:6]
    detector, token = detector_create(name=f"bench-routing-{run}")
    rules = RoutingSettings.current()
    payloads = _batches(run, args.seconds, args.rate, args.batch)
    port = free_port()
    web = start_gunicorn(port, workers=3)
    worker = start_worker(concurrency=args.route_workers)
    cases_before = Case.objects.count()
    interval = args.batch / args.rate
    lag = []
    try:
        time.sleep(3)  # let the worker connect
        started = time.perf_counter()
        senders = []
        for i, body in enumerate(payloads):
            due = started + i * interval
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            else:
                lag.append(-delay)
            t = threading.Thread(target=_post, args=(port, token, body))
            t.start()
            senders.append(t)
        for t in senders:
            t.join()
        sent_s = time.perf_counter() - started
        deadline = time.perf_counter() + 120
        while time.perf_counter() < deadline:
            with connection.cursor() as c:
                c.execute(
                    "SELECT count(*) FROM detection_signal WHERE detector_id = %s AND routed_at IS NULL",
                    [detector.pk],
                )
                if c.fetchone()[0] == 0:
                    break
            time.sleep(0.5)
        routed_s = time.perf_counter() - started
    finally:
        stop(worker)
        stop(web)
    with connection.cursor() as c:
        c.execute(
            "SELECT count(*), count(routed_at), "
            "percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM routed_at - received_at)), "
            "percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM routed_at - received_at)), "
            "max(extract(epoch FROM routed_at - received_at)), count(case_id) "
            "FROM detection_signal WHERE detector_id = %s AND severity IN ('high', 'critical') "
            "AND confidence >= %s",
            [detector.pk, rules.strong_min_confidence],
        )
        strong, routed, p50, p99, worst, attached = c.fetchone()
        c.execute("SELECT count(*) FROM detection_signal WHERE detector_id = %s", [detector.pk])
        total = c.fetchone()[0]
        # Where in the run the slow attachments were: the worst latency per 10 s of arrivals.
        c.execute(
            "WITH s AS (SELECT received_at, routed_at, min(received_at) OVER () AS t0 "
            "  FROM detection_signal WHERE detector_id = %s "
            "  AND severity IN ('high', 'critical') AND confidence >= %s) "
            "SELECT floor(extract(epoch FROM received_at - t0) / 10)::int * 10, "
            "max(extract(epoch FROM routed_at - received_at)) FROM s GROUP BY 1 ORDER BY 1",
            [detector.pk, rules.strong_min_confidence],
        )
        windows = c.fetchall()
    offered = total / sent_s
    routed_rate = total / routed_s
    print(
        f"offered: {total} signals in {sent_s:.1f}s = {offered:,.0f} signals/s "
        f"(target load {args.rate}/s for {args.seconds}s; sender behind schedule by up to "
        f"{max(lag, default=0):.2f}s)"
    )
    print(
        f"routing workers: {args.route_workers}; all signals routed after {routed_s:.1f}s "
        f"→ {routed_rate:,.0f} signals/s; ratio routed/offered: {routed_rate / offered:.2f}"
    )
    print(
        f"strong signals: {strong}, attached: {attached}; latency received→attached "
        f"p50 {p50 or 0:.2f}s, p99 {p99 or 0:.2f}s, max {worst or 0:.2f}s "
        f"(target ≤ {TARGET_SECONDS:.0f}s)"
    )
    print(
        "worst latency by arrival window: "
        + ", ".join(f"{start}-{start + 10}s {worst:.1f}s" for start, worst in windows)
    )
    print(f"cases opened: {Case.objects.count() - cases_before}")
    ok = strong > 0 and attached == strong and worst is not None and worst <= TARGET_SECONDS
    ok = ok and offered >= 0.95 * args.rate
    with connection.cursor() as c:
        c.execute(
            "SELECT DISTINCT case_id FROM detection_signal WHERE detector_id = %s", [detector.pk]
        )
        case_ids = [r[0] for r in c.fetchall() if r[0]]
        cleanup(c, [detector.pk], [f"{run}-"])
    print(f"(kept {len(case_ids)} routed cases in the database)")
    return 0 if ok else 1
