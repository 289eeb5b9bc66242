"""Session-level advisory locks held for the whole of a long piece of work.

PostgreSQL drops a session lock when its connection dies, so the lock doubles as a liveness
flag: work marked running whose lock is free has lost its worker (see core/recovery.py)."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


@contextmanager
def advisory_lock_try(namespace: int, key: int) -> Iterator[bool]:
    """Take the lock (namespace, key) if it is free; yields whether it was taken, and lets go
    of it on the way out."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [namespace, key])
        (acquired,) = cursor.fetchone()
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [namespace, key])
