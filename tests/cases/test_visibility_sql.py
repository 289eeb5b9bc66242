"""The dashboard reads cases with fixed statements (web/dashboard.py), through
cases.selectors.VISIBLE_SQL: the same need-to-know rule as cases_visible_to, written again in
SQL. These tests hold the two alike, and show what a non-member is not shown."""

from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.clustering import cluster_update_for_accounts
from accounts.models import AccountAttribute, CaseAccount
from cases.case_tasks import task_add
from cases.models import Case, CaseMember
from cases.selectors import VISIBLE_SQL, cases_visible_to, user_sees_cases
from tests.factories import AccountFactory, make_case

pytestmark = pytest.mark.django_db


def _visible_by_sql(user) -> set[int]:
    if not user_sees_cases(user):
        return set()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT c.id FROM cases_case c WHERE {VISIBLE_SQL}", {"user": user.pk})
        return {pk for (pk,) in cursor.fetchall()}


def test_the_sql_rule_sees_what_the_queryset_sees(alice, oscar, lena, larry, adam):
    cases = [
        make_case(created_by=lena, title=f"Campaign {n}", restricted=n % 2 == 0) for n in range(6)
    ]
    CaseMember.objects.get_or_create(case=cases[0], user=alice)  # restricted, alice's
    CaseMember.objects.get_or_create(case=cases[1], user=oscar)  # unrestricted anyway
    for user in (alice, oscar, lena, larry, adam):
        expected = set(cases_visible_to(user).values_list("pk", flat=True))
        assert _visible_by_sql(user) == expected, user.username
    assert cases[0].pk in _visible_by_sql(alice)
    assert cases[0].pk not in _visible_by_sql(oscar)
    assert cases[2].pk not in _visible_by_sql(alice)


def test_the_dashboard_shows_a_restricted_case_to_its_members_only(
    client, alice, oscar, restricted_case
):
    """Its SLA breach, its open task, and its count against a cluster it links."""
    Case.objects.filter(pk=restricted_case.pk).update(
        triage_due_at=timezone.now() - timedelta(hours=1)
    )
    task_add(case=restricted_case, user=alice, title="Trace the payouts", assignee=alice)
    task_add(case=restricted_case, user=alice, title="Oscar may not know", assignee=oscar)
    accounts = [AccountFactory() for _ in range(2)]
    for account in accounts:
        AccountAttribute.objects.create(account=account, type="payment_fingerprint", value="pf")
        CaseAccount.objects.create(case=restricted_case, account=account)
    cluster_update_for_accounts([a.pk for a in accounts])

    client.force_login(alice)
    member = client.get(reverse("dashboard")).context
    assert [c.number for c in member["breaches"]["cases"]] == [restricted_case.number]
    assert member["breaches"]["total"] == 1
    assert [t.title for t in member["my_tasks"]] == ["Trace the payouts"]
    assert [(c.size, c.open_cases) for c in member["clusters"]] == [(2, 1)]

    client.force_login(oscar)
    page = client.get(reverse("dashboard"))
    other = page.context
    assert other["breaches"]["cases"] == [] and other["breaches"]["total"] == 0
    assert other["my_tasks"] == []  # assigned to him, but on a case he may not see
    assert [(c.size, c.open_cases) for c in other["clusters"]] == [(2, 0)]
    assert restricted_case.number not in page.content.decode()
