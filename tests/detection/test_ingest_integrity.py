"""The hot path's integrity: delete-side triggers instead of insert-side foreign keys, and the
per-process memory of known accounts, forgotten whenever an account or attribute is deleted."""

import json

import msgspec
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction

from accounts.models import Account, AccountAttribute
from detection.ingestion import signal_ingest_batch
from detection.known_accounts import Known, attributes_unknown, known_accounts
from detection.models import Signal, SignalAccount
from detection.validation import AccountIn, signal_validate, signals_decode_fast
from detection.validation import Attribute as A
from ops.integrity import integrity_sweep

from ..database import as_superuser
from .conftest import signal_json


def _ingest(detector, *numbers, **overrides):
    signals = [signal_validate(signal_json(n, **overrides)) for n in numbers]
    return signal_ingest_batch(detector=detector, signals=signals)


def _account(external_id: str, *attributes: A) -> AccountIn:
    return AccountIn(external_id, attributes=list(attributes))


def _sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_an_account_named_by_signals_cannot_be_deleted_even_in_sql(prada):
    _ingest(prada, 1)
    account = Account.objects.get(external_id="acct-a-1")
    with pytest.raises(IntegrityError, match="named by signals"), transaction.atomic():
        _sql("DELETE FROM accounts_account WHERE id = %s", [account.pk])
    assert Account.objects.filter(pk=account.pk).exists()


def test_a_detector_with_signals_cannot_be_deleted_even_in_sql(prada):
    _ingest(prada, 1)
    with pytest.raises(IntegrityError, match="has signals"), transaction.atomic():
        _sql("DELETE FROM detection_detector WHERE id = %s", [prada.pk])


def test_deleting_a_signal_in_sql_deletes_its_links_and_frees_the_account(prada):
    _ingest(prada, 1)
    signal = Signal.objects.get(external_id="sig-000001")
    _sql("DELETE FROM detection_signal WHERE id = %s", [signal.pk])
    assert not SignalAccount.objects.filter(signal_id=signal.pk).exists()
    Account.objects.filter(external_id="acct-b-1").delete()
    assert not Account.objects.filter(external_id="acct-b-1").exists()


def test_deleting_an_account_in_sql_deletes_its_attributes(prada):
    _ingest(prada, 1)
    Signal.objects.filter(detector=prada).delete()
    account = Account.objects.get(external_id="acct-a-1")
    assert AccountAttribute.objects.filter(account=account).count() == 3
    _sql("DELETE FROM accounts_account WHERE id = %s", [account.pk])
    assert not AccountAttribute.objects.filter(account_id=account.pk).exists()
    assert not list(integrity_sweep())


def test_the_integrity_sweep_reports_an_orphan_attribute(prada):
    _ingest(prada, 1)
    Signal.objects.filter(detector=prada).delete()
    account = Account.objects.get(external_id="acct-b-1")
    with as_superuser() as cursor:  # triggers off
        cursor.execute("DELETE FROM accounts_account WHERE id = %s", [account.pk])
    problems = [p for p in integrity_sweep() if "attribute" in p.what]
    assert len(problems) == 1 and "1 attribute(s) of a missing account" in problems[0].what


def test_a_signal_is_linked_to_an_account_once(prada):
    _ingest(prada, 1)
    link = SignalAccount.objects.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        _sql(
            "INSERT INTO detection_signalaccount (signal_id, account_id) VALUES (%s, %s)",
            [link.signal_id, link.account_id],
        )


def test_verify_integrity_names_a_link_to_an_account_the_signal_does_not_name(prada, capsys):
    """What a reused id after a lost commit looks like: the link points at a real account, just
    not one the signal named."""
    _ingest(prada, 1, 2)
    signal = Signal.objects.get(external_id="sig-000001")
    stranger = Account.objects.get(external_id="acct-b-2")
    named = Account.objects.get(external_id="acct-b-1")
    _sql(
        "UPDATE detection_signalaccount SET account_id = %s WHERE signal_id = %s "
        "AND account_id = %s",
        [stranger.pk, signal.pk, named.pk],
    )
    with pytest.raises(CommandError, match="1 integrity problem"):
        call_command("verify_integrity")
    assert (
        "MISMATCH signal prada:sig-000001: linked to acct-b-2 it does not name; "
        "not linked to acct-b-1 it names" in capsys.readouterr().out
    )


def test_the_integrity_sweep_reports_an_orphan_link(prada):
    _ingest(prada, 1)
    link = SignalAccount.objects.first()
    # Only a session that turns triggers off (a careless restore, say) can orphan a link.
    with as_superuser() as cursor:
        cursor.execute(
            "DELETE FROM accounts_accountattribute WHERE account_id = %s", [link.account_id]
        )
        cursor.execute("DELETE FROM accounts_account WHERE id = %s", [link.account_id])
    problems = [(p.where, p.what) for p in integrity_sweep() if "link" in p.what]
    assert problems[0] == ("signals", "1 link(s) to a missing signal or account")
    # ... and the signal it belongs to, by name, with what it named.
    (where, what), *_ = problems[1:]
    assert where == "signal prada:sig-000001" and "<missing account>" in what


@pytest.mark.django_db(transaction=True)
def test_known_accounts_are_remembered_only_after_a_commit(prada):
    memory = known_accounts()
    with transaction.atomic():
        _ingest(prada, 1)
        assert memory.get("acct-a-1") is None
        transaction.set_rollback(True)
    assert memory.get("acct-a-1") is None
    _ingest(prada, 1)
    account = Account.objects.get(external_id="acct-a-1")
    remembered = memory.get("acct-a-1")
    assert remembered is not None and remembered.id == account.pk
    given = AccountIn(
        "acct-a-1", attributes=[A("payment_fingerprint", "pf-1"), A("payment_fingerprint", "pf-2")]
    )
    assert attributes_unknown({"acct-a-1": remembered}, {"acct-a-1": given}) == (
        [(account.pk, A("payment_fingerprint", "pf-2"))],
        ["acct-a-1"],
    )
    assert sorted((a.type, a.value) for a in remembered.attributes()) == sorted(
        (a["type"], a["value"]) for a in signal_json(1)["accounts"][0]["attributes"]
    )


def test_a_remembered_pair_matches_only_whole():
    known = {"a": Known(7, [A("ip", "10.0.0.1"), A("email_domain", "ip")])}
    whole = [A("ip", "10.0.0.1"), A("email_domain", "ip")]
    assert attributes_unknown(known, {"a": AccountIn("a", attributes=whole)}) == ([], [])
    partial = [A("ip", "10.0.0"), A("email_domain", "i"), A("ip", "email_domain"), A("ip", "ip")]
    assert attributes_unknown(known, {"a": AccountIn("a", attributes=partial)}) == (
        [(7, x) for x in partial],
        ["a"],
    )


def test_remembered_attributes_are_found_in_any_order_and_learned_once():
    from detection.known_accounts import KnownAccounts

    ip, card, device = A("ip", "10.0.0.1"), A("payment_fingerprint", "pf-1"), A("ip", "10.0.0.2")
    memory = KnownAccounts(limit=10)
    generation = (1, "token", 1, 1)
    memory.generation = generation
    memory.learn(generation, {"a": (7, _account("a", ip, card))})
    known = {"a": memory.get("a")}
    # The order a batch gives them in is not the order remembered: all known still.
    assert attributes_unknown(known, {"a": AccountIn("a", attributes=[card, ip])}) == ([], [])
    assert attributes_unknown(known, {"a": AccountIn("a", attributes=[card])}) == ([], [])
    assert attributes_unknown(known, {"a": AccountIn("a", attributes=[card, device])}) == (
        [(7, device)],
        ["a"],
    )
    # What a later commit teaches is added to what was remembered, each attribute once.
    memory.learn(generation, {"a": (7, _account("a", card, device))})
    assert set(memory.get("a").attributes()) == {ip, card, device}
    assert len(memory.get("a").attributes()) == 3
    # An account whose id changed (deleted and created again) forgets the old attributes.
    memory.learn(generation, {"a": (8, _account("a", device))})
    assert (memory.get("a").id, memory.get("a").attributes()) == (8, [device])


@pytest.mark.django_db(transaction=True)
def test_a_deleted_attribute_is_stored_again_by_the_next_signal_naming_it(prada):
    _ingest(prada, 1)
    AccountAttribute.objects.filter(account__external_id="acct-a-1", value="pf-1").delete()
    _ingest(prada, 2, accounts=signal_json(1)["accounts"])
    values = set(
        AccountAttribute.objects.filter(account__external_id="acct-a-1").values_list(
            "value", flat=True
        )
    )
    assert "pf-1" in values


@pytest.mark.django_db(transaction=True)
def test_an_account_deleted_and_named_again_is_created_again(prada):
    _ingest(prada, 1)
    Signal.objects.filter(detector=prada).delete()
    Account.objects.filter(external_id="acct-a-1").delete()
    _ingest(prada, 2, accounts=signal_json(1)["accounts"])
    account = Account.objects.get(external_id="acct-a-1")
    signal = Signal.objects.get(external_id="sig-000002")
    assert set(signal.accounts.values_list("pk", flat=True)) >= {account.pk}
    assert not list(integrity_sweep())


def test_the_memory_forgets_everything_when_full_and_ignores_a_stale_generation():
    from detection.known_accounts import KnownAccounts

    now, before = (5, "token", 1, 1), (4, "token", 1, 1)
    memory = KnownAccounts(limit=3)
    memory.generation = now
    memory.learn(now, {"a": (1, _account("a", A("ip", "x"))), "b": (2, _account("b"))})
    # Taught under a generation since passed: not believed.
    memory.learn(before, {"c": (3, _account("c"))})
    assert memory.get("c") is None and memory.get("a").id == 1
    # What it knew of "a" is kept, with the new.
    memory.learn(now, {"a": (1, _account("a", A("asn", "y")))})
    both = AccountIn("a", attributes=[A("ip", "x"), A("asn", "y")])
    assert attributes_unknown({"a": memory.get("a")}, {"a": both}) == ([], [])
    # Past the limit: starts over.
    memory.learn(now, {"c": (3, _account("c")), "d": (4, _account("d"))})
    assert memory.get("a") is None and memory.get("d").id == 4


@pytest.mark.django_db(transaction=True)
def test_an_emptied_generation_table_makes_every_process_forget(prada):
    """Crash recovery empties the unlogged generation table (the real crash is in
    tests/ops/test_crash_durability.py); the next batch starts a new generation and the
    memory learned before is dropped, never used for a link."""
    memory = known_accounts()
    _ingest(prada, 1)
    assert memory.get("acct-a-1") is not None
    before = memory.generation
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM quarry_database_generation")
    _ingest(prada, 2)
    assert memory.generation != before
    assert memory.generation[1:] != before[1:]  # a new token, not only a new epoch
    assert memory.get("acct-a-1") is None  # learned in the old generation: forgotten
    assert memory.get("acct-a-2").id == Account.objects.get(external_id="acct-a-2").pk


def _body(*signals: dict) -> bytes:
    return json.dumps({"signals": list(signals)}).encode()


def _stored_attributes(external_id: str) -> set[tuple[str, str]]:
    return set(
        AccountAttribute.objects.filter(account__external_id=external_id).values_list(
            "type", "value"
        )
    )


@pytest.mark.django_db(transaction=True)
def test_attributes_sent_as_stored_are_left_as_text_and_anything_else_is_decoded(prada):
    """The fast path leaves an account's attributes undecoded only where their JSON text is the
    very text this process stored for it; any other text is decoded, checked and stored."""
    memory = known_accounts()
    first = signal_json(1)
    signals = signals_decode_fast(_body(first), memory.wire)
    assert type(signals[0].accounts[0].attributes) is not msgspec.Raw  # not known yet
    signal_ingest_batch(detector=prada, signals=signals)
    stored = _stored_attributes("acct-a-1")
    assert memory.wire("acct-a-1") is not None

    # The same accounts with the same attributes: left as text, nothing new, linked alike.
    again = signals_decode_fast(_body(signal_json(2, accounts=first["accounts"])), memory.wire)
    assert type(again[0].accounts[0].attributes) is msgspec.Raw
    result = signal_ingest_batch(detector=prada, signals=again)
    assert result.created == 1 and _stored_attributes("acct-a-1") == stored
    linked = Signal.objects.get(external_id="sig-000002").accounts.values_list("external_id")
    assert sorted(linked) == [("acct-a-1",), ("acct-b-1",)]

    # One attribute more (other text): decoded, and the new attribute stored.
    grown = json.loads(json.dumps(first["accounts"]))
    grown[0]["attributes"].append({"type": "asn", "value": "AS64500"})
    more = signals_decode_fast(_body(signal_json(3, accounts=grown)), memory.wire)
    assert type(more[0].accounts[0].attributes) is not msgspec.Raw
    signal_ingest_batch(detector=prada, signals=more)
    assert _stored_attributes("acct-a-1") == stored | {("asn", "AS64500")}

    # Text that is not what was stored is checked, even for a remembered account: an invalid
    # attribute sends the batch to the slow path, which names the field.
    bad = json.loads(json.dumps(first["accounts"]))
    bad[0]["attributes"][0]["type"] = "not-a-type"
    assert signals_decode_fast(_body(signal_json(4, accounts=bad)), memory.wire) is None


@pytest.mark.django_db(transaction=True)
def test_attributes_left_as_text_are_stored_if_the_memory_is_dropped_before_the_batch(prada):
    """Between decoding a batch and storing it, the memory may be dropped (a deletion, a new
    database generation): attributes left as text are then decoded and stored as any others."""
    memory = known_accounts()
    first = signal_json(1)
    signal_ingest_batch(detector=prada, signals=signals_decode_fast(_body(first), memory.wire))
    again = signals_decode_fast(_body(signal_json(2, accounts=first["accounts"])), memory.wire)
    assert type(again[0].accounts[0].attributes) is msgspec.Raw
    AccountAttribute.objects.filter(account__external_id="acct-a-1").delete()  # drops the memory
    signal_ingest_batch(detector=prada, signals=again)
    assert _stored_attributes("acct-a-1") == {
        (a["type"], a["value"]) for a in first["accounts"][0]["attributes"]
    }
    assert not list(integrity_sweep())


@pytest.mark.django_db(transaction=True)
def test_a_remembered_account_pushed_with_an_invalid_attribute_is_refused_by_name(
    prada, post_signals
):
    first = signal_json(1)
    assert post_signals({"signals": [first]}, prada.token).status_code == 201
    bad = json.loads(json.dumps(first["accounts"]))
    bad[0]["attributes"][1]["value"] = ""
    response = post_signals({"signals": [signal_json(2, accounts=bad)]}, prada.token)
    assert response.status_code == 422
    assert response.json()["items"][0]["errors"][0]["field"] == "accounts[0].attributes[1].value"
    assert not Signal.objects.filter(external_id="sig-000002").exists()


@pytest.mark.django_db(transaction=True)
def test_attributes_left_as_text_are_checked_against_what_the_memory_learned_since(prada):
    """Decoded when the memory knew the text; then an attribute is deleted (the memory drops
    everything) and another batch teaches it other text for the account, without that
    attribute. Storing the first batch finds the attribute missing and stores it again."""
    memory = known_accounts()
    first = signal_json(1)
    signal_ingest_batch(detector=prada, signals=signals_decode_fast(_body(first), memory.wire))
    waiting = signals_decode_fast(_body(signal_json(2, accounts=first["accounts"])), memory.wire)
    assert type(waiting[0].accounts[0].attributes) is msgspec.Raw
    AccountAttribute.objects.filter(account__external_id="acct-a-1", value="pf-1").delete()
    fewer = json.loads(json.dumps(first["accounts"]))
    del fewer[0]["attributes"][0]  # the payment fingerprint pf-1
    signal_ingest_batch(
        detector=prada, signals=signals_decode_fast(_body(signal_json(3, accounts=fewer)))
    )
    assert memory.wire("acct-a-1") is not None
    assert ("payment_fingerprint", "pf-1") not in _stored_attributes("acct-a-1")
    signal_ingest_batch(detector=prada, signals=waiting)
    assert ("payment_fingerprint", "pf-1") in _stored_attributes("acct-a-1")
