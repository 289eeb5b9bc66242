"""A case opened by hand: a tip from a partner lab, a government contact, a staff report."""

from django.db import transaction

from core.errors import DomainError, PermissionDenied
from core.roles import LEAD, WORK_ROLES, user_roles

from .case_tasks import TASK_TEMPLATES, tasks_template_apply
from .models import Case, Severity
from .services import case_create


@transaction.atomic
def case_open(
    *,
    user,
    title: str,
    summary: str = "",
    severity: str = Severity.MEDIUM,
    tags: list[str] | None = None,
    suspected_actor: str = "",
    actor_confidence: int | None = None,
    restricted: bool = False,
    task_template: str = "",
) -> Case:
    """Any investigator or lead opens a case; it starts in `new`, audited as created by them.
    Restricting it from birth is a lead's call, as restricting it later is."""
    roles = user_roles(user)
    if not (roles & WORK_ROLES):
        raise PermissionDenied("Opening a case needs the investigator or lead role.")
    if restricted and LEAD not in roles:
        raise PermissionDenied("Restricting a case needs the lead role.", field="restricted")
    if task_template and task_template not in TASK_TEMPLATES:
        raise DomainError(
            f"Unknown task template {task_template!r}; one of {', '.join(TASK_TEMPLATES)}.",
            field="task_template",
            status=400,
        )
    if len(suspected_actor or "") > 200:
        raise DomainError(
            "A suspected actor is at most 200 characters.", field="suspected_actor", status=400
        )
    case = case_create(
        title=title,
        created_by=user,
        summary=(summary or "").strip(),
        severity=severity,
        tags=tags,
        suspected_actor=(suspected_actor or "").strip(),
        actor_confidence=actor_confidence,
        restricted=restricted,
        origin="manual",
    )
    if task_template:
        tasks_template_apply(case=case, user=user, template=task_template)
    return case
