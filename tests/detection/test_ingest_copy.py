"""New signals are copied straight into their table (detection/ingestion.py): the values COPY's
text format must escape arrive as sent, and a signal a parallel batch stored after the probe is
a duplicate, stored once, not a failed batch."""

import threading
from contextlib import nullcontext

import pytest
from django.db import connection, transaction

from accounts.models import Account
from detection.ingestion import CREATED, DUPLICATE, signal_ingest_batch
from detection.models import Signal
from detection.services import detector_create
from detection.validation import signal_validate

from ..database import app_login_connect
from .conftest import signal_json

AWKWARD = 'tab\there, new\nline, cr\r, back\\slash \\N \\. "quoted" {braces}, commas'


@pytest.mark.django_db
def test_values_copy_must_escape_are_stored_as_sent(prada, post_signals):
    item = signal_json(
        1,
        external_id="sig\\with\ttab",
        summary=AWKWARD,
        payload={"text": AWKWARD, "path": "C:\\temp"},
        observables=[{"type": "url", "value": "a\tb\\c"}],
    )
    item["accounts"][0]["external_id"] = 'acct "quoted", {braced}\\back'
    item["accounts"][1]["external_id"] = "NULL"
    response = post_signals({"signals": [item]}, prada.token)
    assert response.status_code == 201, response.content

    signal = Signal.objects.get(detector=prada)
    assert signal.external_id == "sig\\with\ttab"
    assert signal.summary == AWKWARD
    assert signal.payload == {"text": AWKWARD, "path": "C:\\temp"}
    assert signal.observables == [{"type": "url", "value": "a\tb\\c"}]
    named = sorted(['acct "quoted", {braced}\\back', "NULL"])
    assert sorted(signal.account_external_ids) == named
    assert sorted(signal.accounts.values_list("external_id", flat=True)) == named


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("within", [False, True], ids=["own transaction", "larger transaction"])
def test_a_signal_a_parallel_batch_stores_after_the_probe_is_a_duplicate(within):
    """The other batch's row is written but not committed when this one probes: the probe does
    not see it, the COPY waits on it and fails once it commits, and the batch goes the ON
    CONFLICT way (run again in a transaction of its own, from a savepoint within a larger
    one), which reports the signal as someone else's."""
    detector, _ = detector_create(name="prada")
    results, errors = [], []

    def send():
        try:
            batch = [signal_validate(signal_json(n)) for n in (1, 2)]
            with transaction.atomic() if within else nullcontext():
                results.append(signal_ingest_batch(detector=detector, signals=batch))
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=send)
    with app_login_connect() as other:
        with other.transaction():
            other.execute(
                "INSERT INTO detection_signal (detector_id, external_id, kind, severity, "
                "confidence, observed_at, received_at, summary, observables, payload) "
                "VALUES (%s, 'sig-000002', 'other', 'low', 1, now(), now(), '', '[]', '{}')",
                [detector.pk],
            )
            thread.start()
            for _ in range(100):  # until the batch waits for this transaction
                waiting = other.execute(
                    "SELECT 1 FROM pg_locks WHERE locktype = 'transactionid' AND NOT granted"
                ).fetchone()
                if waiting:
                    break
                thread.join(0.1)
            else:
                pytest.fail("the batch never waited on the uncommitted signal")
        thread.join(30)

    assert errors == []
    assert results[0].statuses == [CREATED, DUPLICATE]
    assert Signal.objects.filter(detector=detector).count() == 2
    stored = Signal.objects.get(detector=detector, external_id="sig-000001")
    assert results[0].created_ids == [stored.pk]
    assert sorted(stored.accounts.values_list("external_id", flat=True)) == ["acct-a-1", "acct-b-1"]
    # The other batch's signal keeps what it was stored with: no links, no accounts of its own.
    assert not Account.objects.filter(external_id__in=["acct-a-2", "acct-b-2"]).exists()


@pytest.mark.django_db
def test_account_fields_and_attributes_arrive_as_sent(prada, post_signals):
    """Accounts and the attributes of accounts stored before travel as array literals: quotes,
    backslashes, braces, commas and the word NULL arrive as sent, and an absent signup_at is
    NULL."""
    awkward = 'Ada "the" \\ {x}, NULL'
    first = signal_json(1)
    first["accounts"] = [
        {
            "external_id": "acct-a",
            "name": awkward,
            "email": "a,b@example.test",
            "organisation": "{Org}",
            "country": "gb",
            "signup_at": "2026-01-02T03:04:05-08:00",
        },
        {"external_id": "acct-b", "name": "NULL"},
    ]
    assert post_signals({"signals": [first]}, prada.token).status_code == 201
    # The same accounts again, from a process that does not know them, with a new attribute.
    from detection.known_accounts import known_accounts

    known_accounts().accounts.clear()
    second = signal_json(2)
    second["accounts"] = [
        {"external_id": "acct-a", "attributes": [{"type": "ip", "value": awkward}]},
        "acct-b",
    ]
    assert post_signals({"signals": [second]}, prada.token).status_code == 201

    a = Account.objects.get(external_id="acct-a")
    assert (a.name, a.email, a.organisation, a.country) == (
        awkward,
        "a,b@example.test",
        "{Org}",
        "GB",
    )
    assert a.signup_at.isoformat() == "2026-01-02T11:04:05+00:00"
    assert list(a.attributes.values_list("type", "value")) == [("ip", awkward)]
    b = Account.objects.get(external_id="acct-b")
    assert b.name == "NULL" and b.signup_at is None


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("within", [False, True], ids=["own transaction", "larger transaction"])
def test_a_batch_new_at_both_ends_with_a_stored_signal_between(within):
    """A batch whose first and last signals are new is copied without probing each item; a
    signal in between that is stored already makes the COPY fail, and the batch goes the
    careful way: the stored one is a duplicate, the others are created once."""
    detector, _ = detector_create(name="prada")
    signal_ingest_batch(detector=detector, signals=[signal_validate(signal_json(2))])
    batch = [signal_validate(signal_json(n)) for n in (1, 2, 3)]
    with transaction.atomic() if within else nullcontext():
        result = signal_ingest_batch(detector=detector, signals=batch)
    assert result.statuses == [CREATED, DUPLICATE, CREATED]
    stored = Signal.objects.filter(detector=detector)
    assert sorted(stored.values_list("external_id", flat=True)) == [
        "sig-000001",
        "sig-000002",
        "sig-000003",
    ]
    assert sorted(result.created_ids) == sorted(
        stored.exclude(external_id="sig-000002").values_list("pk", flat=True)
    )
    again = signal_ingest_batch(detector=detector, signals=batch)
    assert again.statuses == [DUPLICATE] * 3
