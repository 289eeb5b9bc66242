"""Server time of the investigator pages on a database loaded by `seed_bench` (50,000 cases,
1,000,000 signals, 100,000 accounts), side by side with the Django admin changelist of the same
cases. Requests go through Django's test Client in-process: the whole server stack (middleware,
sessions, selectors, templates) without a network.

    DATABASE_URL=postgres://.../quarry_bench python manage.py seed_bench
    DATABASE_URL=postgres://.../quarry_bench python -m bench.run bench_pages

Target: p95 <= 150 ms for every page of the queue (default and filtered, first and 500th page),
for the case page of a case with 10,000 signals, and for the account page of the account with
the most signals (20,000 from seed_bench), of an ordinary one (about 20) and of one with none,
against the admin change page of the same account."""

import json
import os
import statistics
import time

TARGET_MS = 150.0
RUNS = int(os.environ.get("BENCH_PAGES_RUNS", "40"))
WARMUP = 3


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _get(client, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return elapsed


def _summary(samples: list[float]) -> dict:
    samples = sorted(samples)
    return {
        "p50": statistics.median(samples),
        "p95": samples[min(len(samples) - 1, int(round(0.95 * len(samples))) - 1)],
    }


def _time_pair(client, url: str, reference: str) -> tuple[dict, dict]:
    """Ours and the reference alternately, so that load from other processes on a shared
    machine falls on both alike."""
    for _ in range(WARMUP):
        _get(client, url)
        _get(client, reference)
    ours, theirs = [], []
    for _ in range(RUNS):
        ours.append(_get(client, url))
        theirs.append(_get(client, reference))
    return _summary(ours), _summary(theirs)


def _cursor_at(user, filters: dict, offset: int) -> str:
    from web.queue import Cursor, queue_cases

    row = (
        queue_cases(user, filters)
        .order_by("-created_at", "-pk")
        .values("created_at", "pk")[offset : offset + 1]
        .first()
    )
    if row is None:
        raise SystemExit(f"bench_pages: fewer than {offset + 1} cases; run seed_bench first")
    return Cursor(row["created_at"], row["pk"]).encode()


def _accounts_by_signals() -> list[tuple[int, int]]:
    """(account, its signals) for the account with the most signals, an ordinary one (that of
    the newest link) and the newest with none; empty when the database was seeded before
    seed_bench linked signals to accounts."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT account_id, count(*) FROM detection_signalaccount "
            "GROUP BY account_id ORDER BY count(*) DESC LIMIT 1"
        )
        busiest = cursor.fetchone()
        cursor.execute(
            "SELECT account_id, (SELECT count(*) FROM detection_signalaccount b "
            "WHERE b.account_id = a.account_id) FROM detection_signalaccount a "
            "ORDER BY signal_id DESC LIMIT 1"
        )
        ordinary = cursor.fetchone()
        cursor.execute(
            "SELECT a.id, 0 FROM accounts_account a WHERE NOT EXISTS (SELECT 1 FROM "
            "detection_signalaccount sa WHERE sa.account_id = a.id) ORDER BY a.id DESC LIMIT 1"
        )
        quiet = cursor.fetchone()
    if busiest is None or quiet is None:
        return []
    return [busiest, ordinary, quiet]


def main(argv: list[str]) -> int:
    _setup()
    from urllib.parse import urlencode

    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from django.test import Client

    from cases.models import Case
    from web.queue import PAGE_SIZE

    user = get_user_model().objects.filter(username="bench_lead").first()
    big = Case.objects.filter(tags__contains=["bench-big"]).order_by("-id").first()
    if user is None or big is None or Case.objects.count() < 500 * PAGE_SIZE:
        print("bench_pages: load the data first: python manage.py seed_bench")
        return 1
    n_signals = Case.objects.filter(pk=big.pk).aggregate(n=Count("signals"))["n"]
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)

    deep = 499 * PAGE_SIZE  # the 500th page starts after 24,950 rows
    search = {"queue": "all", "q": "proxies"}
    narrow = {"queue": "all", "severity": "critical", "q": "hydra"}
    admin = "/admin/cases/case/"
    admin_page = deep // 100 + 1  # the admin shows 100 a page: page 250 holds the same rows
    scenarios = [
        ("queue, default, page 1", "/cases/", admin + "?state__exact=investigating"),
        (
            "queue, default, page 500",
            "/cases/?" + urlencode({"after": _cursor_at(user, {}, deep - 1)}),
            admin + f"?p={admin_page}",
        ),
        (
            "queue, search 'proxies', page 1",
            "/cases/?" + urlencode(search),
            admin + "?q=proxies",
        ),
        (
            "queue, search 'proxies', page 500",
            "/cases/?" + urlencode({**search, "after": _cursor_at(user, search, deep - 1)}),
            admin + f"?q=proxies&p={admin_page}",
        ),
        (
            "queue, critical + 'hydra', page 1",
            "/cases/?" + urlencode(narrow),
            admin + "?severity__exact=critical&q=hydra",
        ),
        (
            f"case page, {n_signals} signals",
            f"/cases/{big.number}/",
            admin + f"{big.pk}/change/",
        ),
        (
            f"case signals tab, {n_signals} signals",
            f"/cases/{big.number}/?tab=signals",
            admin + f"{big.pk}/change/",
        ),
    ]
    accounts = _accounts_by_signals()
    if not accounts:
        print("bench_pages: no signal linked to an account; reseed for the account pages")
    for pk, n in accounts:
        scenarios.append(
            (
                f"account page, {n} signals",
                f"/accounts/{pk}/",
                f"/admin/accounts/account/{pk}/change/",
            )
        )
    print(f"{Case.objects.count()} cases; {RUNS} timed requests per page after {WARMUP} warm-up")
    print(f"{'page':42} {'p50 ms':>8} {'p95 ms':>8} {'admin p95':>10} {'ratio':>6}")
    missed = 0
    results: list[dict] = []
    for label, url, reference in scenarios:
        ours, theirs = _time_pair(client, url, reference)
        results.append({"page": label, **ours})
        ratio = ours["p95"] / theirs["p95"]
        ok = ours["p95"] <= TARGET_MS
        missed += not ok
        print(
            f"{label:42} {ours['p50']:8.1f} {ours['p95']:8.1f} {theirs['p95']:10.1f} "
            f"{ratio:6.2f} {'ok' if ok else 'MISSED'}"
        )
    print(
        f"target: p95 <= {TARGET_MS:.0f} ms on every page; "
        "ratio = ours / admin changelist or change page"
    )
    if "--json" in argv:  # for bench_scale, which runs this on databases of two sizes
        print("JSON " + json.dumps({"cases": Case.objects.count(), "pages": results}))
    return 1 if missed else 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
