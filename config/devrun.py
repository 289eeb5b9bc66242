"""`make run`: one command for a laptop. Starts the embedded PostgreSQL (unless DATABASE_URL is
set), migrates, creates the demo users and data, then runs the web server, the ingestion server
(detectors' API only, at a lower CPU priority: docs/capacity.md), a Celery worker and Celery
beat under a supervisor (config/supervisor.py) until Ctrl-C, and stops everything it started. A service that exits is restarted with backoff while the others go on; a worker or
beat whose heartbeat goes stale is killed and restarted.

`python -m config.devrun --serve-only` skips the set-up (the database is ready) and only
supervises the services."""

import os
import signal
import subprocess
import sys

from . import embedded_pg
from .env import VAR_DIR, env_int
from .supervisor import Service, supervise

PYTHON = sys.executable


def manage(*args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], check=True)


def setup(reference_port: int) -> None:
    manage("migrate", "--no-input", "-v", "0")
    manage("collectstatic", "--no-input", "-v", "0")
    print("\nDemo logins (a password is printed only when its user is created):")
    manage("seed_users")
    manage("seed_demo")
    manage("recompute_clusters")
    if reference_port:  # the reference detector's feed, polled like a real detector's
        manage(
            "detector_create",
            "reference-detector",
            "--pull",
            "--feed-url",
            f"http://127.0.0.1:{reference_port}/feed",
            "--poll-interval",
            "5",
            "--if-missing",
            "--description",
            "Reference detector: a synthetic distillation campaign, polled every 5 s.",
        )


# The ingestion server on a laptop: one process of two threads, at a lower CPU priority than
# the web server, so that a burst of batches slows ingestion, not the pages. The worker (routing
# those batches, polling feeds, building exports, recomputing clusters) is background work too:
# the same lower priority, so that it takes what the pages leave.
INGEST_NICE = 10
WORKER_NICE = 10


def gunicorn(port: int, *options: str) -> list[str]:
    return [
        *[PYTHON, "-m", "gunicorn", "config.wsgi:application"],
        *["-c", "python:config.gunicorn", "--bind", f"127.0.0.1:{port}"],
        *["--access-logfile", "-", "--log-level", "warning", *options],
    ]


def ingest_port(port: int, reference_port: int) -> int:
    """QUARRY_INGEST_PORT, else the port after the web server's (after the reference
    detector's, when that one is next); 0: no ingestion server (detectors use the web's)."""
    following = port + 1 if port + 1 != reference_port else port + 2
    return env_int("QUARRY_INGEST_PORT", following)


def services(port: int, reference_port: int, ingest: int = 0) -> list[Service]:
    celery = [PYTHON, "-m", "celery", "-A", "config"]
    heartbeat_max_age = env_int("QUARRY_HEARTBEAT_MAX_AGE_SECONDS", 60)
    run_dir = VAR_DIR / "run"
    found = [Service("web", gunicorn(port))]
    if ingest:
        workers = env_int("QUARRY_INGEST_CONCURRENCY", 1)
        threads = env_int("QUARRY_INGEST_THREADS", 2)
        found.append(
            Service(
                "ingest",
                gunicorn(ingest, "--workers", str(workers), "--threads", str(threads)),
                env={"QUARRY_SERVICE": "ingest"},
                nice=INGEST_NICE,
            )
        )
    found += [
        Service(
            "worker",
            [*celery, "worker", "--loglevel", "WARNING", "--concurrency", "2"],
            env={"QUARRY_WORKER_HEARTBEAT_FILE": str(run_dir / "worker.heartbeat")},
            heartbeat=run_dir / "worker.heartbeat",
            heartbeat_max_age=heartbeat_max_age,
            nice=WORKER_NICE,
        ),
        Service(
            "beat",
            [
                *[*celery, "beat", "--loglevel", "WARNING"],
                *["--schedule", str(VAR_DIR / "celery" / "beat-schedule")],
            ],
            env={"QUARRY_BEAT_HEARTBEAT_FILE": str(run_dir / "beat.heartbeat")},
            heartbeat=run_dir / "beat.heartbeat",
            heartbeat_max_age=heartbeat_max_age,
        ),
    ]
    if reference_port:
        found.append(
            Service(
                "reference-detector",
                [PYTHON, "manage.py", "reference_detector", "--port", str(reference_port)]
                + ["--rate", "2"]
                # A few cases forming over the first minutes, beside the curated ones.
                + ["--clusters", "4", "--cluster-every", "300"],
            )
        )
    return found


def main(argv: list[str]) -> int:
    os.environ.setdefault("SECURE_COOKIES", "0")  # plain http on localhost
    own_database = not os.environ.get("DATABASE_URL")
    if own_database:
        embedded_pg.start()
        print(
            f"Embedded PostgreSQL running on 127.0.0.1:{embedded_pg.port()} "
            f"(data in {embedded_pg.PGDATA})"
        )
    (VAR_DIR / "celery" / "queue").mkdir(parents=True, exist_ok=True)
    (VAR_DIR / "celery" / "processed").mkdir(parents=True, exist_ok=True)
    reference_port = env_int("QUARRY_REFERENCE_DETECTOR_PORT", 8765)
    if "--serve-only" not in argv:
        setup(reference_port)

    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    # The services run in process groups of their own, so Ctrl-C reaches only this process,
    # which stops them in order.
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    port = env_int("PORT", 8000)
    ingest = ingest_port(port, reference_port)
    print(f"\nQuarry is running at http://127.0.0.1:{port}/  (Ctrl-C stops it)", flush=True)
    if ingest:
        print(
            f"Detectors push to http://127.0.0.1:{ingest}/api/v1/signals "
            f"(the ingestion server, at a lower CPU priority)",
            flush=True,
        )
    print(flush=True)
    try:
        supervise(services(port, reference_port, ingest), lambda: stopping)
    finally:
        if own_database:
            embedded_pg.stop()
            print("Embedded PostgreSQL stopped; data kept in var/.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
