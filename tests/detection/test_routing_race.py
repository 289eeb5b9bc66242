"""Routing races with the persistent clusters, made deterministic: the test holds a lock that
stops the routers at a known point, waits until both are stopped, then lets them go.

Real threads, each with its own connection, against the real database."""

import threading
import time

import pytest
from django.db import connection, transaction

from accounts.clustering import cluster_update_for_accounts, clusters_lock
from accounts.models import AccountAttribute, ClusterMember
from cases.models import Case
from core.locks import CLUSTER_STRIPE
from detection.models import Signal
from detection.services import detector_create
from tests.factories import AccountFactory

from .routing_helpers import ingest, item, route

pytestmark = pytest.mark.django_db(transaction=True)


def _start(targets) -> tuple[list[threading.Thread], list[Exception]]:
    errors: list[Exception] = []

    def run(target):
        try:
            target()
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(t,)) for t in targets]
    for t in threads:
        t.start()
    return threads, errors


def _waiting(on_relation: str | None = None) -> int:
    """How many other sessions of this database wait for a cluster lock (or for the relation)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(DISTINCT pid) FROM pg_locks WHERE NOT granted "
            "AND pid <> pg_backend_pid() "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND ((locktype = 'advisory' AND classid = %s AND objsubid = 2) "
            "     OR (locktype = 'relation' AND relation = to_regclass(%s)))",
            [CLUSTER_STRIPE, on_relation],
        )
        return cursor.fetchone()[0]


def _until(condition) -> bool:
    """Poll a condition on the database (the routers run in other threads)."""
    for _ in range(600):
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_two_strong_signals_of_one_persistent_cluster_routed_at_once_open_one_case():
    detector, _ = detector_create(name="prada")
    card = ("payment_fingerprint", "pf-race")
    # Cluster the accounts first, so that the racing signals bring nothing new.
    route(ingest(detector, item(0, [("acct-1", [card]), ("acct-2", [card])], severity="low")))
    first = ingest(detector, item(1, [("acct-1", [])]))
    second = ingest(detector, item(2, [("acct-2", [])]))
    # Both routers stop where they number a new case; a router that found no open case of its
    # cluster gets that far. With the cluster lock, the second stops at the lock instead.
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE cases_casenumbercounter IN SHARE ROW EXCLUSIVE MODE")
        threads, errors = _start([lambda: route(first), lambda: route(second)])
        assert _until(lambda: _waiting("cases_casenumbercounter") == 2)
    for t in threads:
        t.join(60)
    assert errors == []
    assert Case.objects.count() == 1
    assert Signal.objects.filter(case__isnull=False).count() == 3


def test_a_router_whose_cluster_merged_before_it_got_the_lock_joins_the_merged_case():
    detector, _ = detector_create(name="prada")
    big = ("payment_fingerprint", "pf-big")
    route(ingest(detector, item(1, [("acct-b1", [big]), ("acct-b2", [big])])))
    case = Case.objects.get()
    small = ("payment_fingerprint", "pf-small")
    route(ingest(detector, item(2, [("acct-a", [small])], severity="low")))
    old = ClusterMember.objects.get(account__external_id="acct-a").cluster_id
    strong = ingest(detector, item(3, [("acct-a", [])]))
    with transaction.atomic():
        with connection.cursor() as cursor:
            clusters_lock(cursor, [old])
        threads, errors = _start([lambda: route(strong)])
        # The router has read acct-a's cluster and waits for its lock ...
        assert _until(lambda: _waiting() == 1)
        # ... while a bridge account merges that cluster into the one of the open case.
        bridge = AccountFactory()
        AccountAttribute.objects.create(account=bridge, type=big[0], value=big[1])
        AccountAttribute.objects.create(account=bridge, type=small[0], value=small[1])
        cluster_update_for_accounts([bridge.pk])
    for t in threads:
        t.join(60)
    assert errors == []
    assert ClusterMember.objects.get(account__external_id="acct-a").cluster_id != old
    assert Case.objects.count() == 1
    assert Signal.objects.get(pk=strong[0]).case == case


def test_a_cluster_writer_waits_for_whoever_holds_the_lock_of_a_cluster_it_changes():
    detector, _ = detector_create(name="prada")
    card = ("payment_fingerprint", "pf-held")
    route(ingest(detector, item(1, [("acct-1", [card])], severity="low")))
    held = ClusterMember.objects.get(account__external_id="acct-1").cluster_id
    newcomer = AccountFactory()
    AccountAttribute.objects.create(account=newcomer, type=card[0], value=card[1])
    with transaction.atomic():
        with connection.cursor() as cursor:
            clusters_lock(cursor, [held])
        threads, errors = _start([lambda: cluster_update_for_accounts([newcomer.pk])])
        assert _until(lambda: _waiting() == 1)
        assert not ClusterMember.objects.filter(account=newcomer).exists()
    for t in threads:
        t.join(60)
    assert errors == []
    assert ClusterMember.objects.get(account=newcomer).cluster_id == held
