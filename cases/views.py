from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from core.errors import DomainError

from .forms import (
    AssignForm,
    CommentForm,
    MemberForm,
    RestrictForm,
    TagsForm,
    TransitionForm,
)
from .selectors import case_get_for_user
from .services import (
    case_assign,
    case_comment_add,
    case_member_add,
    case_restrict,
    case_transition,
    case_update,
)

User = get_user_model()


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
            legal_reviewers=form.cleaned_data["legal_reviewers"],
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
