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
