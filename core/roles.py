"""The four human roles are Django groups; a user may hold several. The role sets that decide
who may do what are named here once, and imported wherever a permission is checked or shown
(templates check them with the `has_role` filter of web's quarry tags)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group
from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import OuterRef

INVESTIGATOR = "investigator"
LEAD = "lead"
LEGAL = "legal"
ADMIN = "admin"
ALL_ROLES = (INVESTIGATOR, LEAD, LEGAL, ADMIN)

STAFF_ROLES = frozenset(ALL_ROLES)  # Quarry's people: see account pages and visible cases
WORK_ROLES = frozenset({INVESTIGATOR, LEAD})  # work a case: edit it, link accounts
CONTRIBUTE_ROLES = frozenset({INVESTIGATOR, LEAD, LEGAL})  # add notes and evidence
EXPORT_ROLES = frozenset({LEGAL, LEAD})  # build and download export bundles
RECOMPUTE_ROLES = frozenset({LEAD, ADMIN})  # ask for a full cluster recompute
LEAD_ONLY = frozenset({LEAD})  # assign, restrict, add members, close, reopen
LEGAL_ONLY = frozenset({LEGAL})  # legal holds, referral
ADMIN_ONLY = frozenset({ADMIN})  # link weights, detectors, routing thresholds


def _remember_roles(user: AbstractBaseUser, group_names) -> frozenset[str]:
    """Keep the user's roles on the user object for the rest of the request: the groups it is
    in that are roles (any other group grants nothing here)."""
    user._quarry_roles = frozenset(group_names) & STAFF_ROLES
    return user._quarry_roles


def user_roles(user: AbstractBaseUser | AnonymousUser) -> frozenset[str]:
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_quarry_roles", None)
    if cached is None:
        cached = _remember_roles(user, user.groups.values_list("name", flat=True))
    return cached


class RolesModelBackend(ModelBackend):
    """Django's ModelBackend, except that loading the signed-in user (once per request) reads
    the user's roles in the same query: nearly every page asks for them (menus, permission
    checks), which took a query of its own on every request."""

    def get_user(self, user_id):
        users = get_user_model()._default_manager.annotate(
            role_names=ArraySubquery(Group.objects.filter(user=OuterRef("pk")).values("name"))
        )
        try:
            user = users.get(pk=user_id)
        except ObjectDoesNotExist:
            return None
        if not self.user_can_authenticate(user):
            return None
        _remember_roles(user, user.role_names)
        return user
