"""Error answers: a branded page with the site's navigation for people, JSON for the REST API.

Django calls these for any 403/404/500 raised outside DRF's own handling (an unknown address
under /api/, a CSRF failure, a crash), so an API client never receives an HTML page.
"""

from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

API_PREFIX = "/api/"


def _is_api(request) -> bool:
    # The interactive API docs are a page for people.
    return request.path.startswith(API_PREFIX) and not request.path.startswith("/api/docs/")


def _answer(request, status: int, detail: str, template: str):
    if _is_api(request):
        return JsonResponse({"detail": detail}, status=status)
    return render(request, template, {"status": status}, status=status)


@requires_csrf_token
def page_not_found(request, exception=None):
    return _answer(request, 404, "Not found.", "404.html")


@requires_csrf_token
def permission_denied(request, exception=None):
    return _answer(request, 403, "You do not have permission to perform this action.", "403.html")


def domain_error_page(request, exc) -> HttpResponse:
    """A page view's DomainError as a page with the site's navigation and the refusal's words."""
    return render(
        request, "error.html", {"status": exc.status, "message": exc.message}, status=exc.status
    )


def csrf_failure(request, reason: str = ""):
    return _answer(
        request,
        403,
        "The form had expired or came from elsewhere; reload it and try again.",
        "403_csrf.html",
    )


@requires_csrf_token
def server_error(request):
    if _is_api(request):
        return JsonResponse({"detail": "Server error."}, status=500)
    # No request context: no user, no database; whatever broke may be behind them.
    return HttpResponseServerError(loader.get_template("500.html").render())


# The ingestion service (config/urls_ingest.py) answers machines only: JSON at every address.
def api_not_found(request, exception=None):
    return JsonResponse({"detail": "Not found."}, status=404)


def api_permission_denied(request, exception=None):
    return JsonResponse(
        {"detail": "You do not have permission to perform this action."}, status=403
    )


def api_server_error(request):
    return JsonResponse({"detail": "Server error."}, status=500)
