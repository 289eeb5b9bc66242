"""Need-to-know checks a restricted case's membership with one index probe, only for the
restricted cases a query meets: never by hashing all of the user's memberships first, which
made every page's cost grow with how many cases a lead is a member of (bench_scale)."""

from django.db import connection, transaction

from cases.models import CaseMember
from cases.selectors import VISIBLE_SQL, cases_visible_to
from tests.factories import make_case


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        # Make each probe look dear, as a large membership table does: without the outer
        # reference in the subquery, the planner then hashes the memberships.
        cursor.execute("SET LOCAL random_page_cost = 1000")
        cursor.execute("SET LOCAL cpu_operator_cost = 10")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_membership_is_probed_not_hashed(lena, alice):
    for n in range(30):
        case = make_case(created_by=lena, title=f"Campaign {n}", restricted=n % 3 == 0)
        CaseMember.objects.get_or_create(case=case, user=alice)
    plan = _plan(cases_visible_to(alice).order_by("-created_at")[:50])
    assert "SubPlan" in plan, plan
    assert "hashed" not in plan, plan
    assert cases_visible_to(alice).count() == 30


def test_the_sql_rule_probes_membership_too(lena, alice):
    """cases.selectors.VISIBLE_SQL, the dashboard's copy of the rule, keeps the outer reference."""
    for n in range(30):
        case = make_case(created_by=lena, title=f"Campaign {n}", restricted=n % 3 == 0)
        CaseMember.objects.get_or_create(case=case, user=alice)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL random_page_cost = 1000")
        cursor.execute("SET LOCAL cpu_operator_cost = 10")
        cursor.execute(
            f"EXPLAIN SELECT c.id FROM cases_case c WHERE {VISIBLE_SQL} "
            "ORDER BY c.created_at DESC LIMIT 50",
            {"user": alice.pk},
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "SubPlan" in plan, plan
    assert "hashed" not in plan, plan
