"""The one place that decides which cases a user may see. Every view and API goes through it."""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from core.roles import STAFF_ROLES, user_roles

from .models import Case, CaseMember


def cases_visible_to(user) -> QuerySet[Case]:
    if not user.is_authenticated or not (user_roles(user) & STAFF_ROLES):
        return Case.objects.none()
    membership = CaseMember.objects.filter(case_id=OuterRef("pk"), user_id=user.pk)
    # Need-to-know: a restricted case is visible to its members only, whatever their role.
    return Case.objects.filter(Q(restricted=False) | Q(Exists(membership)))


def case_get_for_user(user, number: str, *, for_update: bool = False) -> Case:
    """The case, or 404 — the same 404 whether it does not exist or is hidden from this user."""
    queryset = cases_visible_to(user)
    if for_update:
        queryset = queryset.select_for_update()
    try:
        return queryset.select_related("assignee", "duplicate_of").get(number=number)
    except Case.DoesNotExist:
        raise Http404("No such case.") from None
