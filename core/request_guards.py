"""Requests refused before any view sees them: NUL characters, which PostgreSQL cannot store
and which no legitimate path, query or form field carries; and bodies larger than an
anonymous client has any reason to send, refused on their declared length before a byte of
them is read (an upload form parses the body for its CSRF token before login_required runs).
"""

from django.conf import settings
from django.http import HttpResponse, JsonResponse

FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def _refusal(request, status: int, message: str, field: str | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        body = {"detail": message}
        if field is not None:
            body["errors"] = {field: [message]}
        return JsonResponse(body, status=status)
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def _nul_field(request) -> str | None:
    """The first place a NUL hides: the path, a query parameter, or a form field."""
    if "\x00" in request.path:
        return "path"
    if "%00" in request.META.get("QUERY_STRING", ""):
        for key, values in request.GET.lists():
            if "\x00" in key or any("\x00" in v for v in values):
                return key.replace("\x00", "") or "query"
    if request.method == "POST" and request.content_type in FORMS:
        for key, values in request.POST.lists():
            if "\x00" in key or any("\x00" in v for v in values):
                return key.replace("\x00", "") or "body"
    return None


class NulCharacterMiddleware:
    """Placed after AnonymousBodyLimitMiddleware: reading a form reads its body."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        field = _nul_field(request)
        if field is not None:
            return _refusal(request, 400, f"{field}: must not contain a NUL character.", field)
        return self.get_response(request)


def _declared_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


class AnonymousBodyLimitMiddleware:
    """Placed after AuthenticationMiddleware. A request with an Authorization header is a
    detector's: the detector API checks its size itself, before it reads the body."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.QUARRY_ANONYMOUS_MAX_BODY_BYTES
        if (
            _declared_length(request) > limit
            and "HTTP_AUTHORIZATION" not in request.META
            and not request.user.is_authenticated
        ):
            return _refusal(
                request, 413, f"Sign in first: anonymous requests carry at most {limit} bytes."
            )
        return self.get_response(request)


class PrivateResponsesMiddleware:
    """What a signed-in person or a detector is shown (case pages, evidence previews and
    downloads, export bundles) is kept by no browser or proxy cache: `Cache-Control: no-store,
    private` on every answer to a request with a session or a token, unless it says otherwise.
    The cookie decides, not `request.user`: loading the session here would query a database
    that may be down while a 503 is on its way out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        credentials = (
            settings.SESSION_COOKIE_NAME in request.COOKIES or "HTTP_AUTHORIZATION" in request.META
        )
        if credentials and "Cache-Control" not in response:
            response["Cache-Control"] = "no-store, private"
        return response
