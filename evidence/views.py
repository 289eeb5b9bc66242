import contextlib
import csv
import io
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from cases.selectors import case_get_for_user
from cases.services import case_record_view
from core.errors import DomainError
from core.http import client_ip

from .forms import EvidenceForm
from .models import Evidence
from .selectors import evidence_of_case
from .services import evidence_add, evidence_open, evidence_record_download, evidence_record_view

PREVIEW_BYTES = 64 * 1024
PREVIEW_CSV_ROWS = 200
# Images a browser renders without running anything (SVG is left out: it can carry script).
INLINE_IMAGES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
TEXT_TYPES = {"text/plain", "text/csv", "application/json"}


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _form_problem(form) -> tuple[str, str]:
    """The first invalid field and its message, e.g. ("file", "file: The submitted file is empty.")."""
    field, errors = next(iter(form.errors.items()))
    return field, f"{field}: {errors[0]}"


@login_required
@require_POST
def evidence_upload(request, number: str):
    """Several files at once from the form, or one file per request from the drag-and-drop
    uploader (which asks for JSON so it can show each file's hashes)."""
    case = case_get_for_user(request.user, number)
    form = EvidenceForm(request.POST, request.FILES)
    files = request.FILES.getlist("file")
    if not files or not form.is_valid():
        problem = _form_problem(form) if files else ("file", "Choose a file to upload.")
        if _wants_json(request):
            return JsonResponse({"error": problem[1], "field": problem[0]}, status=400)
        messages.error(request, problem[1])
        return redirect("cases:detail", number=number)
    results = []
    for upload in files:
        try:
            item, created = evidence_add(
                case=case,
                user=request.user,
                chunks=upload.chunks(),
                original_name=upload.name,
                description=form.cleaned_data["description"],
                source=form.cleaned_data["source"],
                collected_at=form.cleaned_data["collected_at"],
                collected_by=form.cleaned_data["collected_by"].strip(),
                ip=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
            )
        except DomainError as exc:
            if _wants_json(request):
                return JsonResponse({"error": exc.message, "field": exc.field}, status=exc.status)
            messages.error(request, f"{upload.name}: {exc.message}")
            continue
        results.append((item, created))
        if created:
            messages.success(request, f"Stored {item.original_name} (SHA-256 {item.sha256}).")
        else:
            messages.info(request, f"{item.original_name} is already evidence of this case.")
    if _wants_json(request):
        # The messages were for the page; the uploader shows the hashes itself.
        list(messages.get_messages(request))
        return JsonResponse(
            {
                "files": [
                    {
                        "id": item.pk,
                        "name": item.original_name,
                        "size": item.size,
                        "sha256": item.sha256,
                        "sha512": item.sha512,
                        "created": created,
                    }
                    for item, created in results
                ]
            },
            status=201 if any(created for _, created in results) else 200,
        )
    response = redirect("cases:detail", number=number)
    response["Location"] += "?tab=evidence"
    return response


def _item(request, number: str, pk: int):
    """The case of the URL and the evidence item it holds (its own, or linked by a merge);
    reading it is a read of the case."""
    case = case_get_for_user(request.user, number)
    case_record_view(case=case, user=request.user, via="evidence")
    try:
        return case, evidence_of_case(case).select_related("case").get(pk=pk)
    except Evidence.DoesNotExist:
        raise Http404("No such evidence.") from None


@login_required
@require_GET
def evidence_download(request, number: str, pk: int):
    case, item = _item(request, number, pk)
    evidence_record_download(
        case=case,
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


def _preview_text(item: Evidence) -> tuple[str, bool]:
    with evidence_open(item) as handle:
        head = handle.read(PREVIEW_BYTES + 1)
    truncated = len(head) > PREVIEW_BYTES
    return head[:PREVIEW_BYTES].decode("utf-8", errors="replace"), truncated


@login_required
@require_GET
def evidence_preview(request, number: str, pk: int):
    case, item = _item(request, number, pk)
    context = {"case": case, "item": item, "kind": "none"}
    if item.content_type in INLINE_IMAGES:
        context["kind"] = "image"
    elif item.content_type in TEXT_TYPES:
        text, truncated = _preview_text(item)
        context.update(kind="text", text=text, truncated=truncated)
        if item.content_type == "application/json" and not truncated:
            with contextlib.suppress(ValueError):
                context["text"] = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        if item.content_type == "text/csv":
            rows = list(csv.reader(io.StringIO(text)))[:PREVIEW_CSV_ROWS]
            context.update(kind="csv", rows=rows)
    if context["kind"] != "image":
        # An image is recorded when its bytes are fetched (evidence_image).
        evidence_record_view(
            evidence=item,
            user=request.user,
            ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
    return render(request, "evidence/preview.html", context)


@login_required
@require_GET
def evidence_image(request, number: str, pk: int):
    _, item = _item(request, number, pk)
    if item.content_type not in INLINE_IMAGES:
        raise Http404("No preview for this file.")
    evidence_record_view(
        evidence=item,
        user=request.user,
        ip=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )
    response = FileResponse(evidence_open(item), content_type=item.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
