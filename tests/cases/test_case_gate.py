"""The gate every change to a case passes (cases.services.case_lock_for_change): role, row
lock, open case; and the set-based audit append routing uses."""

import psycopg
import pytest
from django.db import connection, transaction

from cases.audit import chain_verify, event_append, events_append_many
from cases.models import Case, CaseEvent, State
from cases.services import case_lock_for_change, case_transition, cases_lock_for_change_many
from core.errors import DomainError, PermissionDenied
from core.roles import WORK_ROLES
from tests.factories import UserFactory, make_case


def _close(case, lena):
    case_transition(
        case=case,
        user=lena,
        to_state=State.CLOSED,
        resolution="benign",
        closing_summary="Nothing to see.",
    )


def test_a_user_without_the_role_is_refused_before_anything_is_locked(larry, case):
    with transaction.atomic(), pytest.raises(PermissionDenied) as info:
        case_lock_for_change(case=case, user=larry, roles=WORK_ROLES, field="title")
    assert info.value.message == "This change needs the investigator or lead role."
    assert info.value.field == "title"


def test_a_closed_case_is_refused(alice, lena, case):
    _close(case, lena)
    with transaction.atomic(), pytest.raises(DomainError) as info:
        case_lock_for_change(case=case, user=alice, roles=WORK_ROLES)
    assert info.value.message == "A closed case is read-only; a lead may reopen it."


def test_changes_a_closed_case_still_takes_pass(lena, case):
    _close(case, lena)
    with transaction.atomic():
        locked = case_lock_for_change(case=case, user=lena, roles={"lead"}, closed=None)
    assert locked.state == State.CLOSED


@pytest.mark.django_db(transaction=True)
def test_the_case_row_stays_locked_until_the_change_commits():
    alice = UserFactory(username="alice", roles=["investigator"])
    case = make_case(created_by=alice)
    params = connection.get_connection_params()
    with transaction.atomic():
        case_lock_for_change(case=case, user=alice, roles=WORK_ROLES)
        with (
            psycopg.connect(**params, autocommit=True) as other,
            pytest.raises(psycopg.errors.LockNotAvailable),
        ):
            other.execute("SELECT 1 FROM cases_case WHERE id = %s FOR UPDATE NOWAIT", [case.pk])
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT 1 FROM cases_case WHERE id = %s FOR UPDATE NOWAIT", [case.pk])


def test_the_set_gate_answers_which_cases_are_open(alice, lena):
    open_case, closed_case = make_case(created_by=alice), make_case(created_by=alice)
    _close(closed_case, lena)
    with transaction.atomic():
        assert cases_lock_for_change_many(case_ids=[closed_case.pk, open_case.pk]) == {open_case.pk}


def test_events_appended_many_at_once_chain_like_one_at_a_time(alice):
    first, second = make_case(created_by=alice), make_case(created_by=alice)
    with transaction.atomic():
        event_append(case=first, kind="comment.added", actor=alice, data={"body": "x"})
        made = events_append_many(
            kind="signals.attached",
            actor="routing",
            data_by_case={second.pk: {"n": 2}, first.pk: {"n": 1}},
        )
    assert [(e.case_id, e.seq) for e in made] == [(first.pk, 3), (second.pk, 2)]
    assert chain_verify(first) is None and chain_verify(second) is None
    last = CaseEvent.objects.get(case=first, seq=3)
    assert (last.actor_id, last.actor_label, last.data) == (None, "routing", {"n": 1})
    assert Case.objects.filter(pk__in=[first.pk, second.pk]).count() == 2
