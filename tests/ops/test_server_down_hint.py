"""A command run while the embedded PostgreSQL is down says how to start it."""

import os
import socket
import subprocess
import sys
from pathlib import Path

from django.conf import settings


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_command_without_the_embedded_server_prints_how_to_start_it():
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["EMBEDDED_PG_PORT"] = str(port)
    result = subprocess.run(
        [sys.executable, "manage.py", "verify_integrity"],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert f"not running on 127.0.0.1:{port}" in result.stderr
    assert f"EMBEDDED_PG_PORT={port} .venv/bin/python -m config.embedded_pg start" in result.stderr
    assert "Traceback" not in result.stderr
