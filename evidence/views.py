from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from cases.forms import EvidenceForm
from cases.selectors import case_get_for_user
from core.errors import DomainError

from .models import Evidence
from .services import evidence_add, evidence_open, evidence_record_download


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


@login_required
@require_POST
def evidence_upload(request, number: str):
    case = case_get_for_user(request.user, number)
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose a file to upload.")
        return redirect("cases:detail", number=number)
    upload = form.cleaned_data["file"]
    try:
        item, created = evidence_add(
            case=case,
            user=request.user,
            chunks=upload.chunks(),
            original_name=upload.name,
            description=form.cleaned_data["description"],
            source=form.cleaned_data["source"],
            ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("cases:detail", number=number)
    if created:
        messages.success(request, f"Stored {item.original_name} (SHA-256 {item.sha256}).")
    else:
        messages.info(request, f"{item.original_name} is already evidence of this case.")
    return redirect("cases:detail", number=number)


@login_required
def evidence_download(request, number: str, pk: int):
    case = case_get_for_user(request.user, number)
    try:
        item = case.evidence_items.get(pk=pk)
    except Evidence.DoesNotExist:
        raise Http404("No such evidence.") from None
    evidence_record_download(
        evidence=item,
        user=request.user,
        ip=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )
    response = FileResponse(
        evidence_open(item),
        as_attachment=True,
        filename=item.original_name,
        content_type=item.content_type,
    )
    response["X-Content-SHA256"] = item.sha256
    return response
