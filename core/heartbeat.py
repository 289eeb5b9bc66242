"""Heartbeat files: a long-running process (the Celery worker's watchdog, beat's scheduler)
touches its file while it makes progress, and a supervisor (`make run`, Docker's health check)
reads the file's age. A process that is alive but stuck stops touching it.

`python -m core.heartbeat worker|beat [--max-age SECONDS]` exits 0 while the file is fresh and
1 otherwise (a missing file is not fresh): the health check of the worker and beat containers."""

import argparse
import os
import socket
import sys
import time
from pathlib import Path

from config.env import VAR_DIR, env_int, env_str

HEARTBEAT_DIR = VAR_DIR / "run"


def heartbeat_path(kind: str) -> Path:
    """QUARRY_WORKER_HEARTBEAT_FILE / QUARRY_BEAT_HEARTBEAT_FILE, or a file under var/run named
    after the host, so that two machines sharing var/ do not vouch for each other."""
    default = HEARTBEAT_DIR / f"{kind}-{socket.gethostname()}.heartbeat"
    return Path(env_str(f"QUARRY_{kind.upper()}_HEARTBEAT_FILE", str(default)))


def heartbeat_max_age() -> int:
    return env_int("QUARRY_HEARTBEAT_MAX_AGE_SECONDS", 60)


def heartbeat_touch(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()


def heartbeat_age(path: Path) -> float | None:
    """Seconds since the last touch; None when there is no heartbeat yet."""
    try:
        return time.time() - os.stat(path).st_mtime
    except FileNotFoundError:
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=["worker", "beat"])
    parser.add_argument("--max-age", type=float, default=None)
    args = parser.parse_args(argv)
    path = heartbeat_path(args.kind)
    age = heartbeat_age(path)
    limit = args.max_age if args.max_age is not None else heartbeat_max_age()
    if age is None or age > limit:
        print(f"{args.kind}: heartbeat {path} is {'missing' if age is None else f'{age:.0f}s old'}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
