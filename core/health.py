"""`GET /healthz`: 200 "ok" when this web process can run a query, 503 when it cannot. For load
balancers and Docker's health check, which ask over plain http with whatever Host they have:
so it is answered first in the middleware chain, before the host check (ALLOWED_HOSTS) and the
https redirect, and without a session."""

import logging

from django.db import DatabaseError, connection
from django.http import HttpResponse

log = logging.getLogger(__name__)

PATH = "/healthz"


class HealthzMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info != PATH:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return HttpResponse(status=405, headers={"Allow": "GET, HEAD"})
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except DatabaseError as exc:
            log.warning("healthz: database unavailable: %s", exc)
            connection.close_if_unusable_or_obsolete()
            return _answer("database unavailable", 503)
        return _answer("ok", 200)


def _answer(text: str, status: int) -> HttpResponse:
    response = HttpResponse(text, status=status, content_type="text/plain")
    response["Cache-Control"] = "no-store"
    return response
