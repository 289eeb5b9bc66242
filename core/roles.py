"""The four human roles are Django groups; a user may hold several."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

INVESTIGATOR = "investigator"
LEAD = "lead"
LEGAL = "legal"
ADMIN = "admin"
ALL_ROLES = (INVESTIGATOR, LEAD, LEGAL, ADMIN)


def user_roles(user: AbstractBaseUser | AnonymousUser) -> frozenset[str]:
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_quarry_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True)) & frozenset(ALL_ROLES)
        user._quarry_roles = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return bool(user_roles(user) & set(roles))
