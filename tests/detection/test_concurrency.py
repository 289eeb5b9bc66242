"""Real threads, each with its own connection, against the real database."""

import threading

import pytest
from django.db import connection

from accounts.models import Account
from cases.models import Case
from detection.ingestion import CREATED, DUPLICATE, signal_ingest_batch
from detection.models import Signal
from detection.services import detector_create
from detection.validation import signal_validate

from .conftest import signal_json
from .routing_helpers import ingest, item, route

pytestmark = pytest.mark.django_db(transaction=True)


def _run_threads(target, count: int):
    barrier = threading.Barrier(count)
    results, errors = [], []

    def run(i):
        try:
            barrier.wait()
            results.append(target(i))
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results, errors


def test_the_same_signal_from_eight_threads_is_stored_once():
    detector, _ = detector_create(name="prada")

    def send(i):
        return signal_ingest_batch(detector=detector, signals=[signal_validate(signal_json(1))])

    results, errors = _run_threads(send, 8)
    assert errors == []
    statuses = sorted(r.statuses[0] for r in results)
    assert statuses == [CREATED] + [DUPLICATE] * 7
    assert Signal.objects.count() == 1


def test_replaying_overlapping_batches_from_eight_threads_stores_each_signal_once():
    detector, _ = detector_create(name="prada")
    batch = [signal_json(n) for n in range(200)]

    def send(i):
        # Each thread sends the batch in its own order, so rows collide in different orders.
        ordered = batch[i * 25 :] + batch[: i * 25]
        return signal_ingest_batch(detector=detector, signals=[signal_validate(s) for s in ordered])

    results, errors = _run_threads(send, 8)
    assert errors == []
    assert sum(r.created for r in results) == 200
    assert Signal.objects.count() == 200


def test_concurrent_batches_naming_the_same_new_account_create_one_account():
    detector, _ = detector_create(name="prada")

    def send(i):
        one = signal_json(100 + i)
        one["accounts"][0]["external_id"] = "acct-new"
        return signal_ingest_batch(detector=detector, signals=[signal_validate(one)])

    _, errors = _run_threads(send, 8)
    assert errors == []
    assert Account.objects.filter(external_id="acct-new").count() == 1
    assert Signal.objects.filter(accounts__external_id="acct-new").count() == 8


def test_two_strong_signals_of_one_cluster_routed_at_once_open_one_case():
    detector, _ = detector_create(name="prada")
    card = ("payment_fingerprint", "pf-race")
    first = ingest(detector, item(1, [("acct-1", [card])]))
    second = ingest(detector, item(2, [("acct-2", [card])]))

    _, errors = _run_threads(lambda i: route([first, second][i]), 2)
    assert errors == []
    assert Case.objects.count() == 1
    assert Signal.objects.filter(case__isnull=False).count() == 2


def test_an_account_stored_by_a_parallel_batch_after_the_lookup_is_linked_with_its_attributes():
    """The lookup finds the account absent; a parallel transaction holds it inserted, and commits
    while this batch's insert waits on it: the batch links the signal to that account and adds
    the attributes only it gives, instead of failing or creating a second account."""
    from accounts.models import AccountAttribute
    from detection.known_accounts import known_accounts

    from ..database import app_login_connect, superuser_connect

    detector, _ = detector_create(name="prada")
    other = app_login_connect()
    other.autocommit = False
    with other.cursor() as cursor:
        cursor.execute(
            "INSERT INTO accounts_account (external_id, name, email, organisation, country, "
            "platform_status, first_seen_at) "
            "VALUES ('acct-a-7', '', '', '', '', 'active', now()) RETURNING id"
        )
        parallel_id = cursor.fetchone()[0]
        cursor.execute(
            "INSERT INTO accounts_accountattribute (account_id, type, value, first_seen_at) "
            "VALUES (%s, 'payment_fingerprint', 'pf-7', now())",
            [parallel_id],
        )
        cursor.execute("SELECT pg_backend_pid()")
    outcome = {}

    def send():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                outcome["pid"] = cursor.fetchone()[0]
            outcome["result"] = signal_ingest_batch(
                detector=detector, signals=[signal_validate(signal_json(7))]
            )
        except Exception as exc:
            outcome["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=send)
    thread.start()
    try:
        # Wait until the batch's insert waits on the parallel transaction's row.
        with superuser_connect() as watch, watch.cursor() as cursor:
            for _ in range(200):
                cursor.execute(
                    "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s",
                    [outcome.get("pid", 0)],
                )
                row = cursor.fetchone()
                if row and row[0] == "Lock":
                    break
                threading.Event().wait(0.05)
            else:
                raise AssertionError("the batch never waited on the parallel insert")
        other.commit()
    finally:
        thread.join(30)
        other.close()
    assert "error" not in outcome, outcome.get("error")
    assert outcome["result"].statuses == [CREATED]
    assert list(Account.objects.filter(external_id="acct-a-7").values_list("id", flat=True)) == [
        parallel_id
    ]
    signal = Signal.objects.get(external_id="sig-000007")
    assert sorted(signal.accounts.values_list("external_id", flat=True)) == [
        "acct-a-7",
        "acct-b-7",
    ]
    assert sorted(
        AccountAttribute.objects.filter(account_id=parallel_id).values_list("type", "value")
    ) == [("device_fingerprint", "dv-a-7"), ("ip", "198.51.100.7"), ("payment_fingerprint", "pf-7")]
    assert known_accounts().get("acct-a-7").id == parallel_id
