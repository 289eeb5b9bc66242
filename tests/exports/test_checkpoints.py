"""Audit checkpoints anchor the chain heads outside the database: after one, what a superuser
does with the triggers off (delete the newest event, truncate the table, rewrite and re-hash
history, forge the checkpoint) makes verify_audit fail and name the case or the table."""

import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command
from django.core.management.base import CommandError

from cases.audit import chain_hash, event_payload
from cases.models import CaseEvent
from cases.services import case_comment_add
from exports import keys, merkle
from exports.checkpoints import (
    chain_leaf,
    checkpoint_newest,
    checkpoint_write,
    signature_ok,
)
from exports.tasks import audit_checkpoint_task
from ops.integrity import integrity_sweep
from tests.database import as_superuser
from tests.factories import make_case


@pytest.fixture
def two_cases(case, alice):
    other = make_case(created_by=alice, title="Resold keys")
    for body in ("first", "second"):
        case_comment_add(case=case, user=alice, body=body)
    return case, other


def _verify_audit(capsys, *args):
    with pytest.raises(CommandError, match="difference"):
        call_command("verify_audit", *args)
    return capsys.readouterr().out


def test_a_checkpoint_is_signed_and_stored_outside_the_database(two_cases, evidence_dir, capsys):
    call_command("audit_checkpoint")
    assert "2 chain(s)" in capsys.readouterr().out
    checkpoint = checkpoint_newest()
    assert (evidence_dir / checkpoint.name).read_bytes() == checkpoint.body
    assert (evidence_dir / checkpoint.name.replace(".json", ".sig")).exists()
    assert signature_ok(checkpoint, keys.export_key_load().public_key())
    document = checkpoint.document
    case, other = two_cases
    heads = {c["case"]: (c["length"], c["head"]) for c in checkpoint.chains}
    assert heads[case.number] == (3, CaseEvent.objects.filter(case=case).last().hash)
    assert document["tables"]["cases_caseevent"] == 4
    root = bytes.fromhex(document["merkle_root"])
    for number in (case.number, other.number):
        proof = checkpoint.inclusion(number)
        leaf = merkle.leaf_hash(chain_leaf(proof["chain"]))
        path = [bytes.fromhex(h) for h in proof["path"]]
        assert merkle.inclusion_verify(proof["leaf_index"], proof["tree_size"], leaf, path, root)
        assert not merkle.inclusion_verify(proof["leaf_index"], 2, leaf, path, b"\0" * 32)


def test_the_merkle_proofs_hold_for_every_leaf_of_odd_trees():
    for size in (1, 2, 3, 5, 7, 8, 13):
        leaves = [merkle.leaf_hash(str(i).encode()) for i in range(size)]
        root = merkle.root(leaves)
        for index in range(size):
            proof = merkle.inclusion_proof(index, leaves)
            assert merkle.inclusion_verify(index, size, leaves[index], proof, root)
            wrong = merkle.leaf_hash(b"forged")
            assert not merkle.inclusion_verify(index, size, wrong, proof, root)


def test_verify_audit_passes_against_a_fresh_checkpoint(two_cases, capsys):
    checkpoint = checkpoint_write()
    call_command("verify_audit")
    assert f"matching checkpoint {checkpoint.name}" in capsys.readouterr().out


def test_deleting_the_newest_event_is_named_as_a_rollback(two_cases, capsys):
    case, other = two_cases
    checkpoint_write()
    with as_superuser() as cursor:
        cursor.execute("DELETE FROM cases_caseevent WHERE case_id = %s AND seq = 3", [case.pk])
    out = _verify_audit(capsys)
    assert f"ROLLBACK {case.number}: the chain has 2 events, the checkpoint recorded 3" in out
    assert "TRUNCATED cases_caseevent: 3 rows, the checkpoint recorded 4" in out
    assert other.number not in out
    problems = [str(p.where) for p in integrity_sweep()]
    assert case.number in problems


def test_truncating_the_audit_table_is_named(two_cases, capsys):
    checkpoint_write()
    with as_superuser() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no foreign-key check left pending
        cursor.execute("TRUNCATE cases_caseevent")
    out = _verify_audit(capsys)
    assert "TRUNCATED cases_caseevent: 0 rows, the checkpoint recorded 4" in out
    for case in two_cases:
        assert f"ROLLBACK {case.number}" in out


def test_a_rewritten_and_rehashed_head_is_named(two_cases, capsys):
    case, _ = two_cases
    checkpoint_write()
    last = CaseEvent.objects.get(case=case, seq=3)
    forged = {**last.data, "body": "never said"}
    payload = event_payload(
        case_number=case.number,
        seq=3,
        kind=last.kind,
        actor=last.actor_label,
        at=last.at,
        data=forged,
    )
    with as_superuser() as cursor:
        cursor.execute(
            "UPDATE cases_caseevent SET data = %s::jsonb, hash = %s WHERE id = %s",
            [json.dumps(forged), chain_hash(last.prev_hash, payload), last.pk],
        )
    out = _verify_audit(capsys, case.number)
    assert "BROKEN" not in out  # the chain itself re-hashes cleanly
    assert f"REWRITTEN {case.number}: event 3 hashes to" in out


def test_a_forged_checkpoint_signature_is_named(two_cases, evidence_dir, capsys):
    checkpoint = checkpoint_write()
    forged = Ed25519PrivateKey.generate().sign(checkpoint.body)
    sig = evidence_dir / checkpoint.name.replace(".json", ".sig")
    sig.chmod(0o640)
    sig.write_bytes(base64.b64encode(forged))
    out = _verify_audit(capsys)
    assert f"SIGNATURE {checkpoint.name}: the signature does not verify" in out


def test_an_altered_chains_file_is_named(two_cases, evidence_dir, capsys):
    case, _ = two_cases
    checkpoint = checkpoint_write()
    chains = evidence_dir / checkpoint.name.replace(".json", ".chains.json")
    chains.chmod(0o640)
    chains.write_bytes(chains.read_bytes().replace(b'"length":3', b'"length":2'))
    out = _verify_audit(capsys)
    assert "does not match the signed Merkle root" in out


def test_an_overdue_checkpoint_is_named_only_when_changes_are_unanchored(
    two_cases, alice, settings, capsys
):
    case, _ = two_cases
    checkpoint_write()
    settings.QUARRY_CHECKPOINT_MAX_AGE_SECONDS = 0
    call_command("verify_audit")  # nothing changed since: the old checkpoint is still current
    case_comment_add(case=case, user=alice, body="after the checkpoint")
    out = _verify_audit(capsys)
    assert "OVERDUE" in out and "check that beat runs" in out


def test_no_checkpoint_at_all_is_overdue_once_events_are_old(two_cases, settings, capsys):
    call_command("verify_audit")  # a fresh installation: nothing due yet
    settings.QUARRY_CHECKPOINT_MAX_AGE_SECONDS = 0
    assert "OVERDUE checkpoints: no checkpoint" in _verify_audit(capsys)


def test_beat_writes_a_checkpoint_only_when_something_changed(two_cases, alice):
    case, _ = two_cases
    first = audit_checkpoint_task()
    assert first is not None
    assert audit_checkpoint_task() is None
    case_comment_add(case=case, user=alice, body="new")
    second = audit_checkpoint_task()
    assert second not in (None, first)
    assert checkpoint_newest().document["previous"]["name"] == first
