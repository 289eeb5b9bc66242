"""While the database is unreachable (a restart, a fail-over), answer 503 with Retry-After
instead of a 500: clients retry, and nothing half-done is reported as a server bug.

Only connection-level failures count: OperationalError and InterfaceError. Constraint
violations, bad SQL and the like are IntegrityError/ProgrammingError and stay 500s."""

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpResponse, JsonResponse

log = logging.getLogger(__name__)

MESSAGE = "The database is unavailable for a moment; retry shortly."


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        log.warning("database unavailable on %s %s: %s", request.method, request.path, exception)
        # Drop broken connections so the next request opens a fresh one.
        for connection in connections.all(initialized_only=True):
            connection.close_if_unusable_or_obsolete()
        retry_after = str(settings.QUARRY_DB_RETRY_AFTER_SECONDS)
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": MESSAGE}, status=503)
        else:
            response = HttpResponse(MESSAGE, status=503, content_type="text/plain")
        response["Retry-After"] = retry_after
        return response
