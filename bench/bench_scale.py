"""Page cost as the data grows (issue 17): the bench_pages set on two databases seeded by
`seed_bench`, 1M signals / 50k cases / 100k accounts and 10M / 200k / 400k, measured in the
same run, with the ratio per page (target: every page within 1.2× of its small figure).

Each size lives in a database of its own on the server DATABASE_URL (or the embedded one)
points at, `<name>_scale_small` and `<name>_scale_large`; a database already seeded at its
size is reused, so only the first run pays for seeding (under five minutes for the large one).

    make bench BENCH_ARGS=bench_scale
    BENCH_SCALE_LARGE=2000000,100000,200000 make bench BENCH_ARGS=bench_scale   # smaller"""

import json
import os
import subprocess
import sys
import time

from django.conf import settings

from .common import ROOT, database_url, superuser_url

TARGET_RATIO = 1.2


def _sizes(name: str, default: str) -> tuple[int, int, int]:
    signals, cases, accounts = (int(x) for x in os.environ.get(name, default).split(","))
    return signals, cases, accounts


def _cases_in(database: str) -> int | None:
    import psycopg

    try:
        with psycopg.connect(database_url("default", database)) as conn:
            return conn.execute("SELECT count(*) FROM cases_case").fetchone()[0]
    except psycopg.Error:
        return None


def _run(database: str, *args: str, login: str = "default") -> subprocess.CompletedProcess:
    """`login` is the settings.DATABASES alias whose login the command uses as its own."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(login, database),
        "DATABASE_OWNER_URL": database_url("owner", database),
    }
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )


def _prepare(database: str, signals: int, cases: int, accounts: int) -> None:
    if _cases_in(database) == cases:
        print(f"{database}: seeded already ({cases:,} cases)")
        return
    import psycopg
    from psycopg import sql

    # The app's login may not create databases: the server's superuser makes this one, owned
    # by the owner login, which migrates it as `manage.py migrate` does any other.
    with psycopg.connect(superuser_url(), autocommit=True) as conn:
        name = sql.Identifier(database)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        owner = sql.Identifier(settings.DATABASES["owner"]["USER"])
        conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(name, owner))
    # seed_bench as the owner: a login that owns the tables loads them without their
    # secondary indexes and builds those once at the end (core.pgcopy.indexes_deferred).
    # migrate as usual (it grants the app login its privileges, named by DATABASE_URL).
    for login, args in (
        ("default", ["manage.py", "migrate", "--noinput", "-v", "0"]),
        (
            "owner",
            [
                "manage.py",
                "seed_bench",
                f"--signals={signals}",
                f"--cases={cases}",
                f"--accounts={accounts}",
            ],
        ),
    ):
        started = time.perf_counter()
        result = _run(database, *args, login=login)
        if result.returncode:
            raise SystemExit(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        print(f"{database}: {args[1]} in {time.perf_counter() - started:.0f} s")


def _pages(database: str) -> dict:
    result = _run(database, "-m", "bench.bench_pages", "--json")
    lines = [line for line in result.stdout.splitlines() if line.startswith("JSON ")]
    if not lines:
        raise SystemExit(f"bench_pages on {database} failed:\n{result.stdout}\n{result.stderr}")
    return json.loads(lines[-1][5:])


def main(argv: list[str]) -> int:
    base = settings.DATABASES["default"]["NAME"]
    sizes = {
        "small": _sizes("BENCH_SCALE_SMALL", "1000000,50000,100000"),
        "large": _sizes("BENCH_SCALE_LARGE", "10000000,200000,400000"),
    }
    for label, (signals, cases, accounts) in sizes.items():
        _prepare(f"{base}_scale_{label}", signals, cases, accounts)
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    small = _pages(f"{base}_scale_small")
    large = _pages(f"{base}_scale_large")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print(f"small: {small['cases']:,} cases; large: {large['cases']:,} cases")
    print(f"{'page (small / large)':58} {'p95 small':>9} {'p95 large':>9} {'ratio':>6}")
    missed = 0
    # Both runs list the same pages in the same order; labels differ only in their counts.
    for a, b in zip(small["pages"], large["pages"], strict=True):
        ratio = b["p95"] / a["p95"]
        ok = ratio <= TARGET_RATIO
        missed += not ok
        label = a["page"] if a["page"] == b["page"] else f"{a['page']} / {b['page']}"
        print(
            f"{label[:58]:58} {a['p95']:9.1f} {b['p95']:9.1f} {ratio:6.2f} "
            f"{'ok' if ok else 'MISSED'}"
        )
    print(f"target: p95 at the large size <= {TARGET_RATIO} x the small size's, page by page")
    return 1 if missed else 0
