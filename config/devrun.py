"""`make run`: one command for a laptop. Starts the embedded PostgreSQL (unless DATABASE_URL is
set), migrates, creates the demo users and data, then runs the web server, a Celery worker and
Celery beat until Ctrl-C, and stops everything it started."""

import os
import signal
import subprocess
import sys
import time

from . import embedded_pg
from .env import VAR_DIR, env_int

PYTHON = sys.executable


def manage(*args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], check=True)


def main() -> int:
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
    manage("migrate", "--no-input", "-v", "0")
    manage("collectstatic", "--no-input", "-v", "0")
    print("\nDemo logins (a password is printed only when its user is created):")
    manage("seed_users")
    manage("seed_demo")
    manage("recompute_clusters")
    reference_port = env_int("QUARRY_REFERENCE_DETECTOR_PORT", 8765)
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

    port = env_int("PORT", 8000)
    processes = {
        "web": subprocess.Popen(
            [
                PYTHON,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "3",
                "--access-logfile",
                "-",
                "--log-level",
                "warning",
            ]
        ),
        "worker": subprocess.Popen(
            [
                PYTHON,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--loglevel",
                "WARNING",
                "--concurrency",
                "2",
            ]
        ),
        "beat": subprocess.Popen(
            [
                PYTHON,
                "-m",
                "celery",
                "-A",
                "config",
                "beat",
                "--loglevel",
                "WARNING",
                "--schedule",
                str(VAR_DIR / "celery" / "beat-schedule"),
            ]
        ),
    }
    if reference_port:
        processes["reference-detector"] = subprocess.Popen(
            [
                PYTHON,
                "manage.py",
                "reference_detector",
                "--port",
                str(reference_port),
                "--rate",
                "2",
                # A few cases forming over the first minutes, beside the curated ones.
                "--clusters",
                "4",
                "--cluster-every",
                "300",
            ]
        )
    print(f"\nQuarry is running at http://127.0.0.1:{port}/  (Ctrl-C stops it)\n")

    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        while not stopping:
            for name, proc in processes.items():
                if proc.poll() is not None:
                    print(f"{name} exited with {proc.returncode}; stopping.")
                    stopping = True
            time.sleep(0.5)
    finally:
        for proc in processes.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.time() + 15
        for proc in processes.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                proc.kill()
        if own_database:
            embedded_pg.stop()
            print("Embedded PostgreSQL stopped; data kept in var/.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
