"""The command line of a Celery worker of this project, for the tests and benchmarks that start
real workers (tests/worker.py, bench/common.py): quiet, and without the gossip, mingle and
heartbeat chatter a lone worker does not need."""

import sys


def celery_worker_argv(*, pool: str = "solo", concurrency: int = 1) -> list[str]:
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--pool",
        pool,
        *([] if pool == "solo" else ["--concurrency", str(concurrency)]),
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel",
        "WARNING",
    ]
