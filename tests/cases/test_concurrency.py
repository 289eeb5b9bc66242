"""Real threads against the real database: each thread has its own connection."""

import threading

import pytest
from django.db import connection

from cases.audit import chain_verify, event_append
from cases.models import Case, State
from cases.services import case_transition
from core.errors import DomainError
from tests.factories import UserFactory, make_case

pytestmark = pytest.mark.django_db(transaction=True)


def _run_threads(target, count):
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
        t.join(30)
    return results, errors


def test_two_people_moving_one_case_from_the_same_state_exactly_one_wins():
    alice = UserFactory(username="alice", roles=["investigator"])
    bob = UserFactory(username="bob", roles=["investigator"])
    case = make_case(created_by=alice)
    users = [alice, bob]

    def move(i):
        return case_transition(
            case=Case.objects.get(pk=case.pk),
            user=users[i],
            to_state=State.TRIAGE,
            expected_state=State.NEW,
        )

    results, errors = _run_threads(move, 2)
    assert len(results) == 1 and len(errors) == 1
    assert isinstance(errors[0], DomainError)
    assert case.events.filter(kind="case.transition").count() == 1


def test_many_writers_appending_to_one_case_keep_the_chain_intact():
    alice = UserFactory(username="alice", roles=["investigator"])
    case = make_case(created_by=alice)

    def append(i):
        from django.db import transaction

        for n in range(10):
            with transaction.atomic():
                event_append(case=case, kind="test.note", actor=alice, data={"t": i, "n": n})

    _, errors = _run_threads(append, 8)
    assert errors == []
    seqs = list(case.events.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, 82))
    assert chain_verify(case) is None
