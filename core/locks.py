"""Every PostgreSQL advisory lock Quarry takes, declared in one place so that no two pieces of
work share a key by accident (tests/core/test_locks.py checks that none collide).

Two-key locks, `(namespace, id)`: the namespace says what the id is. One-key locks (a single
bigint) live in a separate key space in PostgreSQL (pg_locks.objsubid 1, not 2), so they cannot
collide with a two-key lock, only with each other.

A session-level lock held for the whole of a long piece of work doubles as a liveness flag:
PostgreSQL drops it when its connection dies, so work marked running whose lock is free has
lost its worker (see ops/recovery.py)."""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import connection

# --- two-key locks: (namespace, id) ---------------------------------------------------------
# Transaction-level, (case id): appending to a case's audit chain (cases.audit).
AUDIT_CHAIN = 0x51A7
# Session-level, (export id): building an export (exports.services).
EXPORT_BUILD = 0x51A8
# Transaction-level, (stripe): acting on the clusters of a stripe (accounts.clustering).
CLUSTER_STRIPE = 0x51A9
# Session-level, (job id): running a cluster recompute job (accounts.tasks).
CLUSTER_RECOMPUTE_JOB = 0x51AA
# Transaction-level, (0): ingestion holds it shared, a deletion of accounts or attributes takes
# it exclusive (detection.known_accounts; the trigger of detection migration 0009).
ACCOUNTS_INGEST = 0x51AB
# Session-level, (0): one router drains the backlog of unrouted signals at a time (routing).
ROUTING_DRAIN = 0x5148

TWO_KEY_NAMESPACES = {
    "AUDIT_CHAIN": AUDIT_CHAIN,
    "EXPORT_BUILD": EXPORT_BUILD,
    "CLUSTER_STRIPE": CLUSTER_STRIPE,
    "CLUSTER_RECOMPUTE_JOB": CLUSTER_RECOMPUTE_JOB,
    "ACCOUNTS_INGEST": ACCOUNTS_INGEST,
    "ROUTING_DRAIN": ROUTING_DRAIN,
}

# --- one-key locks: a single bigint ---------------------------------------------------------
# Session- or transaction-level: someone is writing clusters (accounts.clustering).
CLUSTER_WRITERS = 0x51A8_0004

ONE_KEY_LOCKS = {"CLUSTER_WRITERS": CLUSTER_WRITERS}


@contextmanager
def advisory_lock_try(namespace: int, key: int) -> Iterator[bool]:
    """Take the session lock (namespace, key) if it is free; yields whether it was taken, and
    lets go of it on the way out."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [namespace, key])
        (acquired,) = cursor.fetchone()
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [namespace, key])


def advisory_xact_lock_many(cursor, namespace: int, keys: Iterable[int]) -> None:
    """Take the transaction locks (namespace, k) for every k, in ascending order so that two
    holders never wait on each other in a cycle; one statement whatever their number."""
    ordered = sorted(set(keys))
    if ordered:
        cursor.execute(
            "SELECT count(pg_advisory_xact_lock(%s, k)) FROM "
            "(SELECT k FROM unnest(%s::int[]) AS k ORDER BY k) AS ordered",
            [namespace, ordered],
        )
