import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from cases.audit import GENESIS, canonical_json, chain_hash, event_payload
from cases.services import case_comment_add
from tests.database import as_superuser


def _comment_three_times(case, user):
    for body in ("first", "second", "third"):
        case_comment_add(case=case, user=user, body=body)


def test_each_hash_covers_the_previous_hash_and_the_canonical_json(alice, case):
    _comment_three_times(case, alice)
    prev = GENESIS
    for event in case.events.order_by("seq"):
        payload = event_payload(
            case_number=case.number,
            seq=event.seq,
            kind=event.kind,
            actor=event.actor_label,
            at=event.at,
            data=event.data,
        )
        assert event.prev_hash == prev
        assert event.hash == chain_hash(prev, payload)
        prev = event.hash
    assert canonical_json({"b": 1, "a": "é"}) == '{"a":"é","b":1}'.encode()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE cases_caseevent SET kind = 'x' WHERE case_id = %s",
        "DELETE FROM cases_caseevent WHERE case_id = %s",
    ],
)
def test_the_database_refuses_to_change_or_delete_events(alice, case, statement):
    with (
        pytest.raises(DatabaseError, match="permission denied"),
        transaction.atomic(),
        connection.cursor() as cursor,  # the app login
    ):
        cursor.execute(statement, [case.pk])
    # Even a login allowed to (the superuser), while the triggers are on.
    with (
        pytest.raises(DatabaseError, match="append-only"),
        as_superuser(triggers=True) as cursor,
    ):
        cursor.execute(statement, [case.pk])


def test_verify_audit_names_the_tampered_event(alice, case, capsys):
    _comment_three_times(case, alice)
    call_command("verify_audit", case.number)
    with as_superuser() as cursor:  # triggers off
        cursor.execute(
            "UPDATE cases_caseevent SET data = jsonb_set(data, '{body}', '\"edited\"') "
            "WHERE case_id = %s AND seq = 3",
            [case.pk],
        )
    with pytest.raises(CommandError, match="1 of 1 audit chains are broken"):
        call_command("verify_audit", case.number)
    assert f"BROKEN {case.number} at event 3" in capsys.readouterr().out


def test_verify_audit_names_a_deleted_event(alice, case, capsys):
    _comment_three_times(case, alice)
    with as_superuser() as cursor:  # triggers off
        cursor.execute("DELETE FROM cases_caseevent WHERE case_id = %s AND seq = 2", [case.pk])
    with pytest.raises(CommandError):
        call_command("verify_audit")
    assert f"BROKEN {case.number} at event 2: event 2 is missing" in capsys.readouterr().out
