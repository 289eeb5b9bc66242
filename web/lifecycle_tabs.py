"""What the case page shows of the lifecycle: tasks, pending signals, custody, note history,
and which of the lifecycle's actions this user may take."""

from django.db.models import Prefetch

from cases.case_tasks import TEMPLATE_CHOICES
from cases.models import Case, PendingStatus, Severity, TaskStatus
from cases.selectors import cases_visible_to
from core.roles import LEAD, WORK_ROLES, user_roles
from evidence.models import CustodyEvent
from evidence.selectors import evidence_of_case


def lifecycle_context(case: Case, user) -> dict:
    roles = user_roles(user)
    works = bool(roles & WORK_ROLES)
    return {
        # Follow-ups this user may see: a restricted one's number is need-to-know.
        "follow_ups": list(
            cases_visible_to(user)
            .filter(follow_up_of=case)
            .order_by("created_at")
            .values_list("number", flat=True)
        ),
        "lifecycle": {
            # Taking is for a case nobody has; someone else's is a lead's reassignment.
            "can_take": case.is_open and works and case.assignee_id is None,
            "can_edit": case.is_open and works,
            "can_merge": case.is_open and LEAD in roles and not case.legal_hold,
            "can_tasks": case.is_open and works,
            "can_decide": case.is_open and works,
            "templates": TEMPLATE_CHOICES,
            "severities": Severity.choices,
        },
    }


def tab_tasks(request, case: Case) -> dict:
    return {
        "tasks": list(case.tasks.select_related("assignee").order_by("position", "pk")),
        "task_statuses": TaskStatus.choices,
    }


def evidence_with_custody(case: Case) -> list:
    return list(
        evidence_of_case(case)
        .select_related("uploaded_by")
        .order_by("uploaded_at", "pk")
        .prefetch_related(Prefetch("custody", queryset=CustodyEvent.objects.order_by("at", "pk")))
    )


def pending_signals(case: Case) -> list:
    return list(case.pending_signals.filter(status=PendingStatus.PENDING).order_by("held_at", "pk"))
