"""Forms of a case's lifecycle posted from its page: edit, take, tasks, merge, pending signals,
note corrections. Each form calls one service; a refusal becomes a message."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError

from .case_tasks import task_add, task_assignee_find, task_update, tasks_template_apply
from .freeze import pending_signals_decide
from .lifecycle_forms import (
    CaseEditForm,
    MergeForm,
    NoteEditForm,
    PendingForm,
    TaskAddForm,
    TaskEditForm,
)
from .merge import case_merge
from .notes import comment_edit
from .selectors import case_get_for_user
from .services import case_take, case_update


def _valid(request, form) -> bool:
    """Whether the form is valid; if not, its first problem becomes the page's message."""
    if form.is_valid():
        return True
    field, errors = next(iter(form.errors.items()))
    messages.error(request, f"{field.replace('_', ' ').capitalize()}: {errors[0]}")
    return False


def _back(number: str, tab: str = "overview"):
    response = redirect("cases:detail", number=number)
    response["Location"] += f"?tab={tab}"
    return response


def _run(request, action, success: str = "") -> bool:
    try:
        action()
    except DomainError as exc:
        messages.error(request, exc.message)
        return False
    if success:
        messages.success(request, success)
    return True


@login_required
@require_POST
def case_edit_view(request, number: str):
    case = case_get_for_user(request.user, number)
    form = CaseEditForm(request.POST)
    if not _valid(request, form):
        return _back(number)
    _run(
        request,
        lambda: case_update(case=case, user=request.user, **form.cleaned_data),
        "Case updated.",
    )
    return _back(number)


@login_required
@require_POST
def case_take_view(request, number: str):
    case = case_get_for_user(request.user, number)
    _run(request, lambda: case_take(case=case, user=request.user), f"You have {case.number}.")
    return _back(number)


@login_required
@require_POST
def case_task_add_view(request, number: str):
    case = case_get_for_user(request.user, number)
    form = TaskAddForm(request.POST)
    if not _valid(request, form):
        return _back(number, "tasks")
    data = form.cleaned_data
    if data["template"]:
        _run(
            request,
            lambda: tasks_template_apply(case=case, user=request.user, template=data["template"]),
        )
    else:
        _run(
            request,
            lambda: task_add(
                case=case,
                user=request.user,
                title=data["title"],
                assignee=task_assignee_find(data["assignee"].strip()),
                due_date=data["due_date"],
            ),
        )
    return _back(number, "tasks")


@login_required
@require_POST
def case_task_edit_view(request, number: str, pk: int):
    case = case_get_for_user(request.user, number)
    form = TaskEditForm(request.POST)
    if not _valid(request, form):
        return _back(number, "tasks")
    data = form.cleaned_data
    sent = set((data.pop("fields_sent") or "status").split(","))
    changes = {k: v for k, v in data.items() if k in sent}
    if "status" in changes and "skip_reason" not in changes:
        changes["skip_reason"] = data["skip_reason"]

    def act():
        if "assignee" in changes:
            changes["assignee"] = task_assignee_find(changes["assignee"].strip())
        task_update(case=case, user=request.user, task_id=pk, **changes)

    _run(request, act)
    return _back(number, "tasks")


@login_required
@require_POST
def case_merge_view(request, number: str):
    case = case_get_for_user(request.user, number)
    form = MergeForm(request.POST)
    if not _valid(request, form):
        return _back(number)
    try:
        into = case_get_for_user(request.user, form.cleaned_data["into"].strip())
    except Http404:
        messages.error(request, "Surviving case: no such case.")
        return _back(number)
    if _run(
        request,
        lambda: case_merge(case=case, user=request.user, into=into),
        f"{case.number} merged into {into.number}.",
    ):
        return _back(into.number)
    return _back(number)


@login_required
@require_POST
def case_pending_view(request, number: str):
    case = case_get_for_user(request.user, number)
    form = PendingForm(request.POST)
    if not _valid(request, form):
        return _back(number, "signals")
    data = form.cleaned_data
    accept = data["decision"] == "accept"
    _run(
        request,
        lambda: pending_signals_decide(
            case=case,
            user=request.user,
            pending_ids=data["ids"],
            accept=accept,
            reason=data["reason"],
        ),
        "Pending signals accepted." if accept else "Pending signals rejected.",
    )
    return _back(number, "signals")


@login_required
@require_http_methods(["GET", "POST"])
def case_note_edit_view(request, number: str, pk: int):
    """GET: the author's form with the note's current text; POST: save it as a new version."""
    case = case_get_for_user(request.user, number)
    if request.method == "GET":
        note = case.comments.filter(pk=pk).select_related("author").first()
        if note is None:
            raise Http404("No such note.")
        return render(request, "cases/note_edit.html", {"case": case, "note": note})
    form = NoteEditForm(request.POST)
    if not form.is_valid():
        messages.error(request, "A note cannot be empty.")
        return _back(number, "notes")
    _run(
        request,
        lambda: comment_edit(
            case=case, user=request.user, comment_id=pk, body=form.cleaned_data["body"]
        ),
        "Note corrected; the earlier text is kept in its history.",
    )
    return _back(number, "notes")
