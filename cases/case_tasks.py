"""A case's task list: added by hand or from a template per kind of case, changed by the
people working the case. Every change is an audit event of the case, written in the same
transaction on the locked case row."""

from datetime import date

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from core.errors import DomainError
from core.roles import ALL_ROLES, WORK_ROLES

from .audit import event_append
from .models import Case, CaseTask, TaskStatus
from .services import case_lock_for_change

User = get_user_model()

MAX_TASKS = 200

# kind of case -> (label, task titles in order)
TASK_TEMPLATES: dict[str, tuple[str, list[str]]] = {
    "distillation": (
        "Distillation campaign",
        [
            "Pull payment records",
            "Request enforcement",
            "Collect prompt samples",
            "Notify partner labs",
        ],
    ),
    "extraction": (
        "Model-extraction probing",
        [
            "Collect query logs",
            "Measure query-distribution drift",
            "Request enforcement",
        ],
    ),
    "stolen_keys": (
        "Stolen or resold API keys",
        [
            "Revoke the exposed keys",
            "Identify the resale channel",
            "Notify the key owners",
        ],
    ),
    "exfiltration": (
        "Weight exfiltration attempt",
        [
            "Preserve access logs",
            "Notify the security team",
            "Identify the staff accounts involved",
        ],
    ),
}
TEMPLATE_CHOICES = [(k, label) for k, (label, _) in TASK_TEMPLATES.items()]


def _workable(case: Case, user) -> Case:
    return case_lock_for_change(
        case=case,
        user=user,
        roles=WORK_ROLES,
        refusal="Changing tasks needs the investigator or lead role.",
    )


def _clean_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise DomainError("A task needs a title.", field="title", status=400)
    if len(title) > 300:
        raise DomainError("A task title is at most 300 characters.", field="title", status=400)
    return title


def task_assignee_find(username: str | None):
    """The active user of that name who holds a role, None for no name; refused otherwise."""
    if not username:
        return None
    user = User.objects.filter(
        username=username, is_active=True, groups__name__in=ALL_ROLES
    ).first()
    if user is None:
        raise DomainError(f"No active user {username!r}.", field="assignee", status=400)
    return user


def _label(user) -> str | None:
    return user.get_username() if user is not None else None


def _create(case: Case, user, titles: list[str], *, template: str = "", assignee=None, due=None):
    if case.tasks.count() + len(titles) > MAX_TASKS:
        raise DomainError(f"A case holds at most {MAX_TASKS} tasks.", field="title", status=400)
    now = timezone.now()
    start = (case.tasks.aggregate(m=Max("position"))["m"] or 0) + 1
    return CaseTask.objects.bulk_create(
        CaseTask(
            case=case,
            position=start + i,
            title=title,
            assignee=assignee,
            due_date=due,
            template=template,
            created_by=user,
            created_at=now,
            updated_at=now,
        )
        for i, title in enumerate(titles)
    )


@transaction.atomic
def task_add(
    *, case: Case, user, title: str, assignee=None, due_date: date | None = None
) -> CaseTask:
    locked = _workable(case, user)
    (task,) = _create(locked, user, [_clean_title(title)], assignee=assignee, due=due_date)
    event_append(
        case=locked,
        kind="task.added",
        actor=user,
        data={
            "task_id": task.pk,
            "title": task.title,
            "assignee": _label(assignee),
            "due_date": due_date,
        },
    )
    return task


@transaction.atomic
def tasks_template_apply(*, case: Case, user, template: str) -> list[CaseTask]:
    """Add the template's tasks that the case does not have yet (by title): applying a
    template twice adds nothing the second time."""
    if template not in TASK_TEMPLATES:
        raise DomainError(
            f"Unknown task template {template!r}; one of {', '.join(TASK_TEMPLATES)}.",
            field="template",
            status=400,
        )
    locked = _workable(case, user)
    have = set(locked.tasks.values_list("title", flat=True))
    titles = [t for t in TASK_TEMPLATES[template][1] if t not in have]
    if not titles:
        return []
    tasks = _create(locked, user, titles, template=template)
    event_append(
        case=locked,
        kind="tasks.template_applied",
        actor=user,
        data={
            "template": template,
            "tasks": [{"task_id": t.pk, "title": t.title} for t in tasks],
        },
    )
    return tasks


TASK_FIELDS = ("title", "assignee", "due_date", "status", "skip_reason", "position")


@transaction.atomic
def task_update(*, case: Case, user, task_id: int, **changes) -> CaseTask:
    """Change a task. `status` is open, done or skipped; skipping needs a `skip_reason`, and
    leaving skipped clears it. The event holds each changed field's old and new value."""
    unknown = sorted(set(changes) - set(TASK_FIELDS))
    if unknown:
        raise DomainError(f"Cannot change {unknown[0]}.", field=unknown[0], status=400)
    locked = _workable(case, user)
    task = CaseTask.objects.select_for_update().filter(case=locked, pk=task_id).first()
    if task is None:
        raise DomainError("No such task on this case.", field="task", status=404)
    if "title" in changes:
        changes["title"] = _clean_title(changes["title"])
    if "status" in changes and changes["status"] not in TaskStatus.values:
        raise DomainError("A task's status is open, done or skipped.", field="status", status=400)
    if "skip_reason" in changes:
        changes["skip_reason"] = (changes["skip_reason"] or "").strip()
    if "position" in changes and (
        not isinstance(changes["position"], int) or not 1 <= changes["position"] <= 1_000_000
    ):
        raise DomainError("A position is a whole number from 1.", field="position", status=400)
    status = changes.get("status", task.status)
    if status == TaskStatus.SKIPPED and not changes.get("skip_reason", task.skip_reason):
        raise DomainError("Skipping a task needs a reason.", field="skip_reason", status=400)
    if status != TaskStatus.SKIPPED and "skip_reason" not in changes:
        changes["skip_reason"] = ""
    diff = {}
    for name, value in changes.items():
        old = getattr(task, name)
        if old != value:
            diff[name] = {
                "from": _label(old) if name == "assignee" else old,
                "to": _label(value) if name == "assignee" else value,
            }
            setattr(task, name, value)
    if not diff:
        return task
    task.updated_at = timezone.now()
    task.save()
    event_append(
        case=locked,
        kind="task.updated",
        actor=user,
        data={"task_id": task.pk, "title": task.title, "changes": diff},
    )
    return task
