"""What moving a case into legal review asks and does beyond the transition itself: every task
settled (by setting), and the legal reviewers made members so that need-to-know still holds on a
restricted case and legal finds the case in its queue."""

from django.conf import settings
from django.contrib.auth import get_user_model

from core.errors import DomainError
from core.roles import LEGAL

from .audit import event_append
from .models import Case, CaseMember, TaskStatus

User = get_user_model()


def tasks_check(case: Case) -> None:
    if not settings.QUARRY_LEGAL_REVIEW_NEEDS_TASKS_DONE:
        return
    open_tasks = list(
        case.tasks.filter(status=TaskStatus.OPEN)
        .order_by("position")
        .values_list("title", flat=True)
    )
    if open_tasks:
        raise DomainError(
            f"Legal review needs every task done or skipped with a reason; "
            f"{len(open_tasks)} open: {', '.join(open_tasks[:3])}"
            + ("…" if len(open_tasks) > 3 else "."),
            field="to_state",
        )


def legal_users():
    return User.objects.filter(groups__name=LEGAL, is_active=True).distinct()


def reviewers_for(usernames: list[str] | None) -> list:
    """The users the mover named (each must hold the legal role), or by setting the whole legal
    group when nobody is named."""
    names = [n.strip() for n in (usernames or []) if n and n.strip()]
    if not names:
        if settings.QUARRY_LEGAL_REVIEW_ADDS_LEGAL_GROUP:
            return list(legal_users().order_by("username"))
        return []
    found = {u.get_username(): u for u in legal_users().filter(username__in=names)}
    unknown = [n for n in names if n not in found]
    if unknown:
        raise DomainError(
            f"{unknown[0]} is not an active user with the legal role.",
            field="legal_reviewers",
            status=400,
        )
    return [found[n] for n in dict.fromkeys(names)]


def reviewers_add(*, case: Case, user, reviewers: list) -> None:
    """Make the reviewers members; one audit event names the ones who were not members yet.
    Runs inside case_transition's transaction, on the locked case."""
    added = [
        r.get_username()
        for r in reviewers
        if CaseMember.objects.get_or_create(case=case, user=r)[1]
    ]
    if added:
        event_append(
            case=case,
            kind="case.legal_reviewers_added",
            actor=user,
            data={"members": added},
        )
