#!/usr/bin/env python
import os
import sys


def _embedded_server_down() -> int | None:
    """The embedded PostgreSQL's port when nothing listens on it (and no DATABASE_URL points
    elsewhere), else None."""
    import socket

    from config.env import env_int

    if os.environ.get("DATABASE_URL"):
        return None
    port = env_int("EMBEDDED_PG_PORT", 54329)
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError:
        return port
    return None


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line
    from django.db.utils import OperationalError

    try:
        execute_from_command_line(sys.argv)
    except OperationalError:
        port = _embedded_server_down()
        if port is None:
            raise
        # A second shell without the EMBEDDED_PG_PORT of the first, or a server not started
        # yet: say how to start it rather than print a connection traceback.
        sys.stderr.write(
            f"The embedded PostgreSQL is not running on 127.0.0.1:{port}.\n"
            f"Start it with:  EMBEDDED_PG_PORT={port} .venv/bin/python -m config.embedded_pg start\n"
            "(`make run` and `make test` start it themselves; another shell needs the same "
            "EMBEDDED_PG_PORT), or set DATABASE_URL to use another PostgreSQL.\n"
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
