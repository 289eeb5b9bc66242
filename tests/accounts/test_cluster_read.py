"""The full recompute's read of the graph, split over two connections that share one snapshot.
Real threads and connections, committed data (a second connection cannot see a test's
uncommitted rows)."""

import threading

import numpy as np
import pytest
from django.db import connection, connections, transaction

from accounts.clustering import _read_beside, _read_graph, components
from accounts.models import AccountAttribute

from .conftest import account_with

pytestmark = pytest.mark.django_db(transaction=True)


def _backends() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_type = 'client backend'"
        )
        return cursor.fetchone()[0]


def _partition(graph) -> set[frozenset[int]]:
    labels = components(graph.accounts, graph.links)
    groups: dict[int, set[int]] = {}
    for account, label in zip(graph.accounts.tolist(), labels.tolist(), strict=True):
        groups.setdefault(label, set()).add(account)
    return {frozenset(g) for g in groups.values()}


def test_the_split_read_reads_what_one_connection_reads_and_leaves_no_connection_behind():
    for group in range(5):
        for i in range(4):
            account_with(
                ("payment_fingerprint", f"pf-{group}"),
                ("device_fingerprint", f"dev-{group}-{i % 2}"),
                ("ip", f"10.0.{group}.{i}"),
            )
    account_with(("ip", "10.0.0.0"))  # joins group 0 through its ip
    account_with(("email_domain", "example.org"))  # weak: a cluster of its own
    before = _backends()
    split, single = _read_graph(outermost=True), _read_graph(outermost=False)
    assert _backends() == before  # the helper's connection was closed
    assert split.accounts.tolist() == single.accounts.tolist()
    assert sorted(split.links.holders.tolist()) == sorted(single.links.holders.tolist())
    assert sorted(split.links.sizes.tolist()) == sorted(single.links.sizes.tolist())
    assert _partition(split) == _partition(single)
    assert len(_partition(split)) == 6


def _in_thread(function):
    """Run `function` in a thread of its own (so on a connection of its own), return its value."""
    result = {}

    def run():
        try:
            result["value"] = function()
        finally:
            connections["default"].close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    return result["value"]


def test_the_helper_reads_the_snapshot_it_is_given_not_a_later_commit():
    first = account_with(("payment_fingerprint", "pf-snap"))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("SELECT pg_export_snapshot()")
        (snapshot,) = cursor.fetchone()
        # Committed after the snapshot was taken, before the helper starts reading.
        late = _in_thread(lambda: account_with(("payment_fingerprint", "pf-snap")).pk)
        (accounts, _, _), links = _in_thread(
            lambda: _read_beside(snapshot, [("payment_fingerprint", 1000)], threading.Lock())
        )
    assert AccountAttribute.objects.filter(account_id=late).exists()  # it was committed
    assert first.pk in accounts.tolist()
    assert late not in accounts.tolist()
    holders = np.concatenate([part.holders for part in links]).tolist()
    assert late not in holders


def test_without_a_second_connection_the_read_is_done_on_one(caplog):
    """The server refuses the helper's connection (here: the database takes no new ones, as
    when a connection limit is reached): the recompute reads everything on its own connection
    instead of failing."""
    from ..database import superuser_connect

    for group in range(3):
        for i in range(3):
            account_with(("payment_fingerprint", f"pf-{group}"), ("ip", f"10.1.{group}.{i}"))
    connection.ensure_connection()  # this one is open before the door closes
    name = connection.settings_dict["NAME"]
    with superuser_connect("postgres") as admin:
        admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        try:
            with caplog.at_level("WARNING", logger="accounts.clustering"):
                alone = _read_graph(outermost=True)
        finally:
            admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
    assert "no second connection" in caplog.text
    single = _read_graph(outermost=False)
    assert alone.accounts.tolist() == single.accounts.tolist()
    assert sorted(alone.links.holders.tolist()) == sorted(single.links.holders.tolist())
    assert _partition(alone) == _partition(single)
    assert len(_partition(alone)) == 3
