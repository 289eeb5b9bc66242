"""One place where errors become HTTP answers for the REST API, all in one shape:
`{"detail": "...", "errors": {field: [messages]}, "field": "..."}` (errors and field when an
input is at fault)."""

from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import DomainError

DETECTOR_TOKEN_REFUSED = (
    "A detector token opens only the detector endpoints (/api/v1/signals, "
    "/api/v1/ocsf/detection-findings, /api/v1/detectors/me); this one needs a signed-in user."
)


def _first_message(errors) -> tuple[str | None, str]:
    """The first field at fault and its first message, from DRF's nested error details."""
    if isinstance(errors, dict):
        for field, value in errors.items():
            inner_field, message = _first_message(value)
            if field == "non_field_errors":
                return inner_field, message
            return (f"{field}.{inner_field}" if inner_field else field), message
    if isinstance(errors, list) and errors:
        return _first_message(errors[0])
    return None, str(errors)


def _validation_body(detail) -> dict:
    if isinstance(detail, dict) and "detail" in detail:
        return detail  # already in our shape (raised so by a view)
    errors = detail if isinstance(detail, dict) else {"non_field_errors": detail}
    field, message = _first_message(errors)
    body = {"detail": f"{field}: {message}" if field else message, "errors": errors}
    if field:
        body["field"] = field.split(".")[0]
    return body


def _anonymous_refusal(exc, request) -> bool:
    refusals = (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)
    if request is None or not isinstance(exc, refusals + (exceptions.PermissionDenied,)):
        return False
    return not request.user.is_authenticated


def _anonymous_throttle():
    """The configured throttle whose scope is "anon" (detection.throttles): found through the
    settings, since core stands below the app that defines it."""
    for throttle_class in api_settings.DEFAULT_THROTTLE_CLASSES:
        if getattr(throttle_class, "scope", None) == "anon":
            return throttle_class()
    return None


def exception_handler(exc, context):
    request = context.get("request")
    # DRF checks permissions before throttles: without this, a caller with no credentials (or
    # bad ones) is refused forever without ever meeting the anonymous budget. Its refusals
    # count against that budget, and past it the answer is 429.
    throttle = _anonymous_throttle() if _anonymous_refusal(exc, request) else None
    if throttle is not None and not throttle.allow_request(request, context.get("view")):
        exc = exceptions.Throttled(throttle.wait())
    if isinstance(exc, DomainError):
        body = {"detail": exc.message}
        if exc.field:
            body["field"] = exc.field
            body["errors"] = {exc.field: [exc.message]}
        return Response(body, status=exc.status)
    if isinstance(exc, Http404):
        return Response({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
    if (
        isinstance(exc, exceptions.NotAuthenticated)
        and request is not None
        and request.META.get("HTTP_AUTHORIZATION", "").lower().startswith("bearer ")
    ):
        return Response({"detail": DETECTOR_TOKEN_REFUSED}, status=status.HTTP_403_FORBIDDEN)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.ValidationError):
        response.data = _validation_body(response.data)
    return response
