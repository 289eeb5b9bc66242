"""A dropped database connection is a 503 with Retry-After, not a 500."""

import pytest
from django.db import IntegrityError, InterfaceError, OperationalError
from django.test import RequestFactory

from core.unavailable import DatabaseUnavailableMiddleware

# The middleware closes unusable connections, which touches the connection objects.
pytestmark = pytest.mark.django_db


def _answer(path: str, exc: Exception):
    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    return middleware.process_exception(RequestFactory().post(path), exc)


@pytest.mark.parametrize(
    "exc", [OperationalError("server closed the connection"), InterfaceError()]
)
def test_connection_failures_become_503_with_retry_after(exc, settings):
    settings.QUARRY_DB_RETRY_AFTER_SECONDS = 7
    response = _answer("/api/v1/signals", exc)
    assert response.status_code == 503
    assert response["Retry-After"] == "7"
    assert b"retry" in response.content


def test_other_database_errors_stay_server_errors():
    assert _answer("/api/v1/signals", IntegrityError("duplicate key")) is None


def test_pages_get_a_plain_503_too():
    response = _answer("/cases/", OperationalError("the connection is closed"))
    assert response.status_code == 503 and response["Content-Type"].startswith("text/plain")


def test_the_integrity_sweep_is_scheduled_daily(settings):
    from datetime import timedelta

    entry = settings.CELERY_BEAT_SCHEDULE["core-integrity-sweep"]
    assert entry["task"] == "core.tasks.integrity_sweep_task"
    assert entry["schedule"] == timedelta(days=1)
