"""A case moving into legal review while routing attaches to it: routing waits for the move and
then holds its signals, rather than attaching to a case that froze a moment ago.

Real threads, each with its own connection, against the real database."""

import threading

import pytest
from django.db import connection, transaction

from accounts.models import CaseAccount
from cases.models import Case, PendingSignal

from .routing_helpers import ingest, item, route
from .test_routing_race import _until

pytestmark = pytest.mark.django_db(transaction=True)

CARD = ("payment_fingerprint", "pf-race")


def _blocked() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(DISTINCT pid) FROM pg_locks WHERE NOT granted "
            "AND pid <> pg_backend_pid() "
            # A row lock is waited for as a transactionid lock, which names no database.
            "AND pid IN (SELECT pid FROM pg_stat_activity WHERE datname = current_database())"
        )
        return cursor.fetchone()[0]


def test_routing_waits_for_the_move_into_legal_review_then_holds(prada):
    route(ingest(prada, item(1, [("acct-1", [CARD])])))
    case = Case.objects.get()
    Case.objects.filter(pk=case.pk).update(state="enforcement")
    late = ingest(prada, item(2, [("acct-1", [CARD]), ("acct-2", [CARD])]))
    errors: list[Exception] = []

    def router():
        try:
            route(late)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    with transaction.atomic():
        # The person's side of case_transition: the row locked, then the state changed.
        Case.objects.select_for_update().get(pk=case.pk)
        thread = threading.Thread(target=router)
        thread.start()
        waited = _until(lambda: _blocked() >= 1)
        assert waited, "routing never waited for the case row"
        Case.objects.filter(pk=case.pk).update(state="legal_review")
    thread.join(timeout=30)
    assert not thread.is_alive() and errors == [], errors
    assert CaseAccount.objects.filter(case=case).count() == 1
    assert PendingSignal.objects.filter(case=case, signal_id=late[0]).exists()
