"""A process started below the default CPU priority gives the PostgreSQL backend serving it the
same priority (core/db_priority.py). Without it the ingestion server's and the worker's database
work ran at the web's priority, each backend a scheduling group of its own, and a burst of
batches took the pages' CPU inside PostgreSQL."""

import os
import subprocess
import sys

import pytest
from django.db import connection

from core.db_priority import backend_here, group_niceness
from tests.database import app_login_connect
from tests.worker import ROOT, service_env

pytestmark = pytest.mark.django_db

_HOLD = """
import sys
import django
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("SELECT pg_backend_pid()")
    print(cursor.fetchone()[0], flush=True)
sys.stdin.read()  # the connection stays open until the test has looked at its backend
"""


def _niceness(pid: int) -> tuple[int, int | None]:
    """A process's niceness, and its session group's where the kernel groups sessions."""
    return os.getpriority(os.PRIO_PROCESS, pid), group_niceness(pid)


def _backend_niceness(nice: int, env: dict | None = None) -> tuple[int, int | None]:
    """Start a Quarry process `nice` below this one, let it connect, and read its backend's."""
    process = subprocess.Popen(
        [sys.executable, "-c", _HOLD],
        cwd=ROOT,
        env={**os.environ, **service_env(), **(env or {})},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=(lambda: os.nice(nice)) if nice else None,
    )
    try:
        return _niceness(int(process.stdout.readline()))
    finally:
        process.communicate("", timeout=30)


def test_a_lower_priority_process_lowers_its_backend_too():
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    nice, grouped = _backend_niceness(10)
    assert nice == ours + 10
    if grouped is not None:  # PostgreSQL makes each backend a session, so a group, of its own
        assert grouped >= 10


def test_a_process_at_the_default_priority_leaves_its_backend_alone():
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    nice, grouped = _backend_niceness(0)
    assert nice < ours + 10
    assert grouped is None or grouped < 10


def test_the_setting_turns_it_off():
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    nice, _ = _backend_niceness(10, {"QUARRY_DB_BACKEND_PRIORITY": "0"})
    assert nice < ours + 10


def test_only_the_backend_of_this_very_connection_on_this_host_is_named():
    connection.ensure_connection()
    raw = connection.connection
    with raw.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
        assert backend_here(cursor, raw.pgconn.socket, raw.info.host) == pid
        # A server elsewhere: its pid means nothing here, and nothing is asked of it.
        assert backend_here(cursor, raw.pgconn.socket, "db.internal.example") is None
        # The pid the server gives is checked against this connection's own socket: with
        # another connection's socket (another client port), the backend is not ours.
        with app_login_connect() as other:
            assert backend_here(cursor, other.pgconn.socket, raw.info.host) is None
