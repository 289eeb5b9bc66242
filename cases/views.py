from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.roles import user_roles

from . import workflow
from .audit import chain_verify
from .forms import CommentForm, EvidenceForm, QueueFilterForm, TransitionForm
from .models import OPEN_STATES, Resolution
from .selectors import case_get_for_user, cases_visible_to
from .services import case_comment_add, case_record_view, case_transition


@login_required
def queue(request):
    form = QueueFilterForm(request.GET or None)
    cases = cases_visible_to(request.user).select_related("assignee")
    data = form.cleaned_data if form.is_valid() else {}
    state = data.get("state") or ""
    if state == "":
        cases = cases.filter(state__in=OPEN_STATES)
    elif state != "all":
        cases = cases.filter(state=state)
    if data.get("severity"):
        cases = cases.filter(severity=data["severity"])
    if data.get("q"):
        cases = cases.filter(title__icontains=data["q"]) | cases.filter(number__iexact=data["q"])
    page = Paginator(cases.order_by("-created_at", "-id"), 50).get_page(request.GET.get("page"))
    template = "cases/queue.html#table" if request.htmx else "cases/queue.html"
    return render(request, template, {"form": form, "page": page})


def _transition_options(case, user) -> list[dict]:
    roles = user_roles(user)
    options = []
    for target in workflow.targets_from(case.state):
        if roles & workflow.roles_for(case.state, target):
            options.append({"value": target, "label": target.replace("_", " ")})
    return options


@login_required
def case_detail(request, number: str):
    case = case_get_for_user(request.user, number)
    case_record_view(case=case, user=request.user)
    events = case.events.order_by("-seq")[:200]
    context = {
        "case": case,
        "events": events,
        "chain_break": chain_verify(case),
        "evidence": case.evidence_items.all(),
        "comments": case.comments.select_related("author"),
        "transitions": _transition_options(case, request.user),
        "resolutions": Resolution.choices,
        "comment_form": CommentForm(),
        "evidence_form": EvidenceForm(),
        "linked_accounts": case.case_accounts.count(),
    }
    return render(request, "cases/detail.html", context)


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
            messages.error(request, "duplicate_of: no such case.")
            return redirect("cases:detail", number=number)
    try:
        case_transition(
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
    return redirect("cases:detail", number=number)
