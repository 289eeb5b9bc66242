"""The "New case" page: a case opened by hand, with the accounts it names."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.intake import case_open_with_accounts
from accounts.services import parse_external_ids
from cases.lifecycle_forms import CaseNewForm
from core.errors import DomainError


@login_required
@require_http_methods(["GET", "POST"])
def case_new(request):
    form = CaseNewForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                case = case_open_with_accounts(
                    user=request.user,
                    account_external_ids=parse_external_ids(data["accounts"]),
                    title=data["title"],
                    summary=data["summary"],
                    severity=data["severity"],
                    suspected_actor=data["suspected_actor"],
                    actor_confidence=data["actor_confidence"],
                    tags=data["tags"],
                    task_template=data["task_template"],
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                return render(request, "cases/new.html", {"form": form}, status=exc.status)
            messages.success(request, f"Opened {case.number}.")
            return redirect("cases:detail", number=case.number)
        return render(request, "cases/new.html", {"form": form}, status=400)
    return render(request, "cases/new.html", {"form": form})
