"""Reads and upkeep of the case counts the database keeps (cases.models.CaseCount): what the
dashboard shows of the case load, at a cost that does not grow with the case table."""

from django.db import connection

from core.counts import fold, fold_statement

from .models import OPEN_STATES
from .selectors import user_sees_cases

# Deltas folded into one row per (state, restricted) (core.counts).
_COMPACT = fold_statement("cases_casecount", ("state", "restricted"))

# Unrestricted cases from the counts; restricted ones from the user's memberships (need-to-
# know as cases.selectors.cases_visible_to decides it: a restricted case counts only for its
# members), so the read costs the user's memberships, not the cases.
_OPEN_BY_STATE = """
SELECT state, sum(n)::bigint FROM (
    SELECT state, n FROM cases_casecount WHERE NOT restricted
    UNION ALL
    SELECT c.state, 1 FROM cases_casemember m JOIN cases_case c ON c.id = m.case_id
    WHERE m.user_id = %s AND c.restricted
) visible WHERE state = ANY(%s) GROUP BY state
"""


def case_counts_compact() -> int:
    """Fold the counts; returns how many rows remain."""
    return fold(_COMPACT)


def case_counts_open_by_state(user) -> dict[str, int]:
    """Open cases this user may see, per state (states with none are left out)."""
    if not user_sees_cases(user):
        return {}
    with connection.cursor() as cursor:
        cursor.execute(_OPEN_BY_STATE, [user.pk, list(OPEN_STATES)])
        return {state: n for state, n in cursor.fetchall() if n}
