from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from core.errors import DomainError
from core.roles import INVESTIGATOR, LEAD
from detection.models import Detector

from .forms import (
    AssignForm,
    CommentForm,
    MemberForm,
    QueueFilterForm,
    RestrictForm,
    TagsForm,
    TransitionForm,
)
from .queue import QUEUES, queue_cases, queue_page
from .selectors import case_get_for_user
from .services import (
    case_assign,
    case_comment_add,
    case_member_add,
    case_record_view,
    case_restrict,
    case_transition,
    case_update,
)
from .workspace import TAB_CONTEXT, TABS, case_actions, sla_clock

User = get_user_model()


def _fragment(request) -> bool:
    """An htmx request wants the fragment, except when htmx restores history after a cache
    miss: then it needs the whole page."""
    return bool(request.htmx) and not request.htmx.history_restore_request


# The people and detectors offered in drop-downs change rarely; a minute's staleness in a
# filter's choices is worth two fewer queries on every queue and case page.
CHOICES_CACHE_SECONDS = 60


def _workers() -> list[str]:
    return cache.get_or_set(
        "choices:workers",
        lambda: list(
            User.objects.filter(groups__name__in=[INVESTIGATOR, LEAD], is_active=True)
            .distinct()
            .order_by("username")
            .values_list("username", flat=True)
        ),
        CHOICES_CACHE_SECONDS,
    )


def _detectors() -> list[tuple[int, str]]:
    return cache.get_or_set(
        "choices:detectors",
        lambda: list(Detector.objects.order_by("name").values_list("pk", "name")),
        CHOICES_CACHE_SECONDS,
    )


# A page and its htmx fragment share one address; without Vary the browser's cache hands the
# fragment back as the page on Back.
@login_required
@require_GET
@vary_on_headers("HX-Request")
def queue(request):
    form = QueueFilterForm(
        request.GET or None,
        assignees=_workers(),
        detectors=_detectors(),
    )
    if form.is_bound:
        # An invalid form still fills cleaned_data with the fields that are valid: one bad
        # value should not drop every filter.
        form.is_valid()
    filters = getattr(form, "cleaned_data", {})
    page = queue_page(
        queue_cases(request.user, filters),
        sort=filters.get("sort") or "newest",
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
    )
    params = request.GET.copy()
    for key in ("after", "before"):
        params.pop(key, None)
    context = {
        "form": form,
        "page": page,
        "params": params.urlencode(),
        "queues": QUEUES,
        "current_queue": filters.get("queue") or "open",
        # Case pages live under the queue's URL; one reverse() instead of one per row.
        "case_url": reverse("cases:queue"),
    }
    template = "cases/queue.html#results" if _fragment(request) else "cases/queue.html"
    return render(request, template, context)


@login_required
@require_GET
@vary_on_headers("HX-Request")
def case_detail(request, number: str):
    case = case_get_for_user(request.user, number)
    tab = request.GET.get("tab", "overview")
    if tab not in TABS:
        tab = "overview"
    fragment = _fragment(request)
    if not fragment:
        case_record_view(case=case, user=request.user)
    context = {
        "case": case,
        "tab": tab,
        "tabs": TABS,
        "sla": sla_clock(case),
        "actions": case_actions(case, request.user),
        "linked_accounts": case.case_accounts.count(),
        "signal_count": case.signals.count(),
        "evidence_count": case.evidence_items.count(),
        "comment_form": CommentForm(),
        "workers": _workers(),
        "move_draft": None if fragment else request.session.pop(f"move_draft:{number}", None),
        **(TAB_CONTEXT[tab](request, case) if tab in TAB_CONTEXT else {}),
    }
    template = "cases/detail.html#panel" if fragment else "cases/detail.html"
    return render(request, template, context)


def _back(number: str, tab: str = "overview"):
    response = redirect("cases:detail", number=number)
    response["Location"] += f"?tab={tab}"
    return response


@login_required
@require_POST
def case_transition_view(request, number: str):
    case = case_get_for_user(request.user, number)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "; ".join(f"{k}: {v[0]}" for k, v in form.errors.items()))
        return redirect("cases:detail", number=number)
    duplicate_of = None
    if form.cleaned_data["duplicate_of"]:
        try:
            duplicate_of = case_get_for_user(
                request.user, form.cleaned_data["duplicate_of"].strip()
            )
        except Http404:
            messages.error(request, "Surviving case: no such case.")
            return redirect("cases:detail", number=number)
    try:
        moved = case_transition(
            case=case,
            user=request.user,
            to_state=form.cleaned_data["to_state"],
            expected_state=form.cleaned_data["expected_state"],
            reason=form.cleaned_data["reason"],
            resolution=form.cleaned_data["resolution"],
            closing_summary=form.cleaned_data["closing_summary"],
            duplicate_of=duplicate_of,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        # The refused form comes back with what was typed in it.
        request.session[f"move_draft:{number}"] = {
            "to": form.cleaned_data["to_state"],
            "reason": form.cleaned_data["reason"],
        }
    else:
        messages.success(request, f"{moved.number} is now {moved.get_state_display().lower()}.")
    return redirect("cases:detail", number=number)


@login_required
@require_POST
def case_comment_view(request, number: str):
    case = case_get_for_user(request.user, number)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            case_comment_add(case=case, user=request.user, body=form.cleaned_data["body"])
        except DomainError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, "A note cannot be empty.")
    return _back(number, "notes")


def _apply(request, number: str, action, done: str):
    """Run a change to the case; its refusal, or `done`, becomes a message. Back to the case."""
    try:
        action()
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("cases:detail", number=number)


def _active_user(username: str):
    return User.objects.filter(username=username, is_active=True).first()


@login_required
@require_POST
def case_assign_view(request, number: str):
    case = case_get_for_user(request.user, number)
    form = AssignForm(request.POST)
    username = form.cleaned_data["assignee"].strip() if form.is_valid() else ""
    assignee = None
    if username:
        assignee = _active_user(username)
        if assignee is None:
            messages.error(request, "No such user.")
            return redirect("cases:detail", number=number)
    return _apply(
        request,
        number,
        lambda: case_assign(case=case, user=request.user, assignee=assignee),
        f"{number} assigned to {username}." if assignee else f"{number} is unassigned.",
    )


@login_required
@require_POST
def case_tags_view(request, number: str):
    case = case_get_for_user(request.user, number)
    form = TagsForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Tags: " + "; ".join(form.errors.get("tags", [])))
        return redirect("cases:detail", number=number)
    tags = form.cleaned_data["tags"]
    return _apply(
        request,
        number,
        lambda: case_update(case=case, user=request.user, tags=tags),
        "Tags saved.",
    )


@login_required
@require_POST
def case_member_view(request, number: str):
    case = case_get_for_user(request.user, number)
    form = MemberForm(request.POST)
    member = _active_user(form.cleaned_data["member"].strip()) if form.is_valid() else None
    if member is None:
        messages.error(request, "No such user.")
        return redirect("cases:detail", number=number)
    return _apply(
        request,
        number,
        lambda: case_member_add(case=case, user=request.user, member=member),
        f"{member.get_username()} is now a member of {number}.",
    )


@login_required
@require_POST
def case_restrict_view(request, number: str):
    case = case_get_for_user(request.user, number)
    form = RestrictForm(request.POST)
    form.is_valid()
    restricted = form.cleaned_data.get("restricted", False)
    return _apply(
        request,
        number,
        lambda: case_restrict(case=case, user=request.user, restricted=restricted),
        f"{number} is restricted to its members." if restricted else f"{number} is open to all.",
    )
