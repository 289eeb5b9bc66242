"""The one place that decides which cases a user may see. Every view and API goes through it."""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.lookups import Exact
from django.http import Http404

from core.roles import STAFF_ROLES, user_roles

from .models import Case, CaseMember


def user_sees_cases(user) -> bool:
    """Whether this user may see any case at all (staff roles only)."""
    return user.is_authenticated and bool(user_roles(user) & STAFF_ROLES)


def cases_visible_to(user) -> QuerySet[Case]:
    if not user_sees_cases(user):
        return Case.objects.none()
    # Need-to-know: a restricted case is visible to its members only, whatever their role.
    # The outer `restricted` inside the subquery is what keeps the membership check a probe
    # of one index entry for each restricted case met: without it PostgreSQL turns the EXISTS
    # into a hash of all the user's memberships, built for every query (a lead is a member of
    # tens of thousands of cases), so every page's cost grew with the memberships.
    membership = CaseMember.objects.filter(
        Exact(OuterRef("restricted"), True), case_id=OuterRef("pk"), user_id=user.pk
    )
    return Case.objects.filter(Q(restricted=False) | Q(Exists(membership)))


# cases_visible_to's rule for statements written by hand, where compiling the queryset would
# cost more than running it (the dashboard): `c` is the case table's alias, %(user)s the user's
# id; only for a user who passes user_sees_cases. The outer `restricted` inside the subquery
# matters here as there. tests/cases/test_visibility_sql.py holds the two alike.
VISIBLE_SQL = (
    "(NOT c.restricted OR EXISTS (SELECT 1 FROM cases_casemember m"
    " WHERE c.restricted AND m.case_id = c.id AND m.user_id = %(user)s))"
)


def case_get_for_user(user, number: str, *, for_update: bool = False) -> Case:
    """The case, or 404 — the same 404 whether it does not exist or is hidden from this user."""
    queryset = cases_visible_to(user)
    if for_update:
        queryset = queryset.select_for_update()
    # Not the duplicate_of and follow_up_of cases: few cases have either (a NULL key costs no
    # query), and joining two more whole case rows cost every case page and tab a third of
    # this query's time.
    try:
        return queryset.select_related("assignee").get(number=number)
    except Case.DoesNotExist:
        raise Http404("No such case.") from None


# Event data that names another case (a duplicate's survivor, a merge's other side). Need-to-
# know covers those names too: a restricted case's number is shown to its members only.
CASE_REFERENCE_KEYS = ("duplicate_of", "merged_into", "merged_from")
HIDDEN_CASE = "(a restricted case)"


def case_reference_visible(user, case: Case) -> Case | None:
    """The case a page names (e.g. case.duplicate_of), if the user may see it."""
    if case is None or not case.restricted:
        return case
    return case if CaseMember.objects.filter(case=case, user=user).exists() else None


def events_for_user(events, user) -> list:
    """The events, with every case number the user may not see replaced by HIDDEN_CASE. The
    stored rows are untouched; a replaced number no longer matches the event's hash, which
    Quarry checks against the stored row."""
    events = list(events)
    named = {
        event.data[key]
        for event in events
        for key in CASE_REFERENCE_KEYS
        if isinstance(event.data, dict) and isinstance(event.data.get(key), str)
    }
    if not named:
        return events
    visible = set(cases_visible_to(user).filter(number__in=named).values_list("number", flat=True))
    for event in events:
        hidden = [
            key
            for key in CASE_REFERENCE_KEYS
            if isinstance(event.data, dict)
            and isinstance(event.data.get(key), str)
            and event.data[key] not in visible
        ]
        if hidden:
            event.data = {**event.data, **dict.fromkeys(hidden, HIDDEN_CASE)}
    return events
