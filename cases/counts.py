"""Reads and upkeep of the case counts the database keeps (cases.models.CaseCount): what the
dashboard shows of the case load, at a cost that does not grow with the case table."""

from django.db import connection

from .models import OPEN_STATES
from .selectors import user_sees_cases

# Deltas folded into one row per (state, restricted). A DELETE takes only the rows its
# snapshot sees, so a change counted meanwhile keeps its row for the next fold; two folds at
# once cannot count a row twice (the second skips the rows the first deleted).
_COMPACT = """
WITH folded AS (DELETE FROM cases_casecount RETURNING state, restricted, n)
INSERT INTO cases_casecount (state, restricted, n)
SELECT state, restricted, sum(n) FROM folded GROUP BY 1, 2 HAVING sum(n) <> 0
"""

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
    with connection.cursor() as cursor:
        cursor.execute(_COMPACT)
        return cursor.rowcount


def case_counts_open_by_state(user) -> dict[str, int]:
    """Open cases this user may see, per state (states with none are left out)."""
    if not user_sees_cases(user):
        return {}
    with connection.cursor() as cursor:
        cursor.execute(_OPEN_BY_STATE, [user.pk, list(OPEN_STATES)])
        return {state: n for state, n in cursor.fetchall() if n}
