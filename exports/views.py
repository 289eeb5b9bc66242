from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from cases.selectors import case_get_for_user
from cases.services import legal_hold_lift, legal_hold_place
from core.errorpages import domain_error_page
from core.errors import DomainError
from core.http import client_ip

from .keys import public_key_pem
from .selectors import export_get_for_case
from .services import (
    bundle_available,
    export_path,
    export_record_download,
    export_request,
)


@login_required
@require_POST
def export_start(request, number: str):
    case = case_get_for_user(request.user, number)
    try:
        export = export_request(
            case=case,
            user=request.user,
            metadata_only=request.POST.get("metadata_only") == "1",
            pseudonymise=request.POST.get("pseudonymise") == "1",
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Export {export.pk} queued; its progress shows below.")
    # Where the progress shows: the exports tab, with focus on it (quarry.js).
    response = redirect("cases:detail", number=number)
    response["Location"] += "?tab=exports#case-exports"
    return response


@login_required
@require_GET
def export_status(request, number: str, pk: int):
    """One export's row; the page polls it with htmx while the export runs."""
    case = case_get_for_user(request.user, number)
    export = export_get_for_case(case, pk)
    return render(request, "exports/_case_exports.html#export_row", {"case": case, "x": export})


@login_required
@require_GET
def export_download(request, number: str, pk: int):
    case = case_get_for_user(request.user, number)
    export = export_get_for_case(case, pk)
    if not bundle_available(export):
        raise Http404("This export has no bundle.")
    try:
        export_record_download(
            export=export,
            user=request.user,
            ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
    except DomainError as exc:
        return domain_error_page(request, exc)
    return bundle_response(export)


def bundle_response(export) -> FileResponse:
    response = FileResponse(
        open(export_path(export), "rb"),  # noqa: SIM115 - FileResponse closes it
        as_attachment=True,
        filename=export.file_name,
        content_type="application/zip",
    )
    response["X-Content-SHA256"] = export.sha256
    return response


@require_GET
def public_key(request):
    """The deployment's export verification key, for anyone holding a bundle (no login)."""
    response = HttpResponse(public_key_pem(), content_type="application/x-pem-file")
    response["Content-Disposition"] = 'inline; filename="quarry-export-public-key.pem"'
    return response


@login_required
@require_POST
def legal_hold_view(request, number: str):
    case = case_get_for_user(request.user, number)
    reason = request.POST.get("reason", "")[:2000]
    try:
        if request.POST.get("hold") == "1":
            legal_hold_place(case=case, user=request.user, reason=reason)
            messages.success(request, "Legal hold placed: the case's evidence cannot be deleted.")
        else:
            legal_hold_lift(case=case, user=request.user, reason=reason)
            messages.success(request, "Legal hold lifted.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("cases:detail", number=number)
