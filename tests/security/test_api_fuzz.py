"""Schemathesis against /api/schema/: every operation, as a user session and as a detector, with
a bounded number of generated requests. No answer may be a 5xx, and every answer's body must
match what the schema documents for its status."""

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.db import close_old_connections
from django.middleware.csrf import _get_new_csrf_string
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from detection.services import detector_create

EXAMPLES_PER_OPERATION = 8
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture
def api(db, settings):
    from config.wsgi import application

    # The fuzzer is one client sending hundreds of requests; lift its rate limits.
    settings.QUARRY_API_RATE_USER = "100000/min"
    settings.QUARRY_API_RATE_DETECTOR = "100000/min"
    settings.QUARRY_API_RATE_ANON = "100000/min"
    cache.clear()
    # As Django's test client does: the request must not close the test's database connection
    # (its transaction holds the test data).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _session_headers(client, user) -> dict[str, str]:
    client.force_login(user)
    session = client.cookies["sessionid"].value
    csrf = _get_new_csrf_string()
    return {"Cookie": f"sessionid={session}; csrftoken={csrf}", "X-CSRFToken": csrf}


INGEST = "POST /api/v1/signals"


def _fuzz(schema, headers: dict[str, str], *, only=None, skip=()) -> list[str]:
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.label in skip or (only is not None and operation.label != only):
            continue

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except Exception as exc:  # noqa: BLE001 - every operation's failure is reported
            failures.append(f"{operation.label}: {str(exc)[:600]}")
    return failures


def test_every_operation_as_a_lead_session(api, client, lena, case):
    assert _fuzz(api, _session_headers(client, lena)) == []


def test_every_operation_as_a_detector(api):
    _, token = detector_create(name="fuzzer")
    assert _fuzz(api, {"Authorization": f"Bearer {token}"}, skip={INGEST}) == []


def test_native_ingest_as_a_detector(api):
    _, token = detector_create(name="fuzzer")
    assert _fuzz(api, {"Authorization": f"Bearer {token}"}, only=INGEST) == []
