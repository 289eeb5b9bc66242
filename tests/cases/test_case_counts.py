"""The case counts the database keeps for the dashboard (cases.models.CaseCount): they follow
every write to the case table, by any path, and a restricted case counts for its members only."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Count, Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.counts import case_counts_compact, case_counts_open_by_state
from cases.models import OPEN_STATES, Case, CaseCount, CaseMember, State
from cases.selectors import cases_visible_to
from config import db_roles
from tests.database import as_superuser
from tests.factories import make_case


def _truth(user) -> dict[str, int]:
    """What a scan of the cases says."""
    rows = (
        cases_visible_to(user)
        .filter(state__in=OPEN_STATES)
        .values("state")
        .annotate(n=Count("id"))
        .values_list("state", "n")
    )
    return dict(rows)


def test_counts_follow_creates_updates_and_deletes(alice, lena, oscar):
    cases = [make_case(created_by=alice) for _ in range(4)]
    secret = make_case(created_by=lena, restricted=True)
    CaseMember.objects.create(case=secret, user=alice)
    Case.objects.filter(pk=cases[0].pk).update(state=State.INVESTIGATING)  # a bulk UPDATE
    Case.objects.filter(pk__in=[cases[1].pk, cases[2].pk]).update(state=State.TRIAGE)
    Case.objects.filter(pk=cases[2].pk).update(restricted=True)  # now hidden from oscar
    with as_superuser(triggers=True) as cursor:  # the owner's DELETE (the app's may not)
        cursor.execute("SET session_replication_role = replica")  # past the append-only guard
        cursor.execute("DELETE FROM cases_caseevent WHERE case_id = %s", [cases[3].pk])
        cursor.execute("DELETE FROM cases_casemember WHERE case_id = %s", [cases[3].pk])
        cursor.execute("SET session_replication_role = origin")  # the count triggers fire
        cursor.execute("DELETE FROM cases_case WHERE id = %s", [cases[3].pk])
    for user in (alice, lena, oscar):
        assert case_counts_open_by_state(user) == _truth(user), user.username
    # alice created (and so is a member of) the case restricted after the fact.
    assert case_counts_open_by_state(alice) == {"new": 1, "investigating": 1, "triage": 2}
    assert case_counts_open_by_state(oscar) == {"investigating": 1, "triage": 1}
    # lena created the restricted cases but is a member of neither (need-to-know, not rank).
    assert case_counts_open_by_state(lena) == _truth(lena)


def test_compacting_keeps_the_counts_and_folds_the_rows(alice):
    for _ in range(5):
        make_case(created_by=alice)
    Case.objects.update(state=State.TRIAGE)
    before = case_counts_open_by_state(alice)
    assert CaseCount.objects.count() > 1
    case_counts_compact()
    assert CaseCount.objects.count() == 1
    assert case_counts_open_by_state(alice) == before == {"triage": 5}


def test_closed_cases_and_users_without_a_staff_role_count_nothing(alice, django_user_model):
    case = make_case(created_by=alice)
    Case.objects.filter(pk=case.pk).update(
        state=State.CLOSED, resolution="no_action", closing_summary="Benign."
    )
    assert case_counts_open_by_state(alice) == {}
    outsider = django_user_model.objects.create_user("nobody", password="x")
    make_case(created_by=alice)
    assert case_counts_open_by_state(outsider) == {}


@pytest.mark.django_db(transaction=True)
def test_truncating_the_cases_empties_the_counts(alice):
    make_case(created_by=alice)
    assert case_counts_open_by_state(alice) == {"new": 1}
    with as_superuser(triggers=True) as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        # The append-only tables refuse TRUNCATE; the owner lifts that for this statement.
        for table in db_roles.APPEND_ONLY_TABLES:
            cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER "{table}_no_truncate"')
        cursor.execute("TRUNCATE cases_case CASCADE")
        for table in db_roles.APPEND_ONLY_TABLES:
            cursor.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER "{table}_no_truncate"')
    assert CaseCount.objects.count() == 0
    assert case_counts_open_by_state(alice) == {}


def test_sla_breaches_total_matches_a_scan(client, alice):
    now = timezone.now()
    late_new = make_case(created_by=alice)
    late_open = make_case(created_by=alice)
    on_time = make_case(created_by=alice)
    Case.objects.filter(pk=late_new.pk).update(triage_due_at=now - timedelta(hours=1))
    Case.objects.filter(pk=late_open.pk).update(
        state=State.INVESTIGATING,
        triage_due_at=now - timedelta(days=3),
        resolve_due_at=now - timedelta(hours=2),
    )
    Case.objects.filter(pk=on_time.pk).update(state=State.TRIAGE)
    client.force_login(alice)
    breaches = client.get(reverse("dashboard")).context["breaches"]
    scan = (
        cases_visible_to(alice)
        .filter(
            Q(state=State.NEW, triage_due_at__lt=now)
            | Q(state__in=OPEN_STATES, resolve_due_at__lt=now)
        )
        .count()
    )
    assert breaches["total"] == scan == 2
    assert [c.number for c in breaches["cases"]] == [late_open.number, late_new.number]


def test_the_dashboard_asks_as_many_queries_with_ten_times_the_cases(client, alice):
    make_case(created_by=alice)
    client.force_login(alice)
    client.get(reverse("dashboard"))  # warm: sessions, choices
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("dashboard"))
    for _ in range(10):
        make_case(created_by=alice)
    with CaptureQueriesContext(connection) as many:
        by_state = client.get(reverse("dashboard")).context["by_state"]
    assert len(many.captured_queries) == len(few.captured_queries)
    assert {s["state"]: s["n"] for s in by_state}["new"] == 11
    # No per-state count scans the case table any more.
    grouped = [
        q["sql"] for q in many.captured_queries if 'GROUP BY "cases_case"."state"' in q["sql"]
    ]
    assert grouped == []


@pytest.mark.parametrize("breached", [True, False])
def test_sla_breaches_are_exact_on_either_side_and_a_floor_past_both_caps(
    client, alice, monkeypatch, breached
):
    """Few not yet due: total = open less those. Few breached: they are counted. Past the cap
    on both sides: the cap, shown as a floor."""
    from web import dashboard

    monkeypatch.setattr(dashboard, "BREACH_COUNT_CAP", 2)
    now = timezone.now()
    cases = [make_case(created_by=alice) for _ in range(5)]
    late = cases[:4] if breached else cases[:1]
    Case.objects.filter(pk__in=[c.pk for c in late]).update(triage_due_at=now - timedelta(hours=1))
    client.force_login(alice)
    found = client.get(reverse("dashboard")).context["breaches"]
    assert (found["total"], found["capped"]) == ((4, False) if breached else (1, False))
    # Both sides past the cap: 3 breached and 3 not yet due, with a cap of 2.
    for _ in range(3 if breached else 1):
        make_case(created_by=alice)
    if not breached:
        Case.objects.filter(pk__in=[c.pk for c in cases[1:3]]).update(
            triage_due_at=now - timedelta(hours=1)
        )
    found = client.get(reverse("dashboard")).context["breaches"]
    assert (found["total"], found["capped"]) == (2, True)
