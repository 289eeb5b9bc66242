"""`/healthz` answers whoever asks, over plain http and under any Host name (Docker's health
check and load balancers), 200 while the database answers and 503 while it does not."""

import pytest
from django.db import connection
from django.test import Client

from bench.common import free_port

pytestmark = pytest.mark.django_db


def test_healthz_is_ok_while_the_database_answers():
    response = Client().get("/healthz")
    assert (response.status_code, response.content) == (200, b"ok")
    assert response["Cache-Control"] == "no-store"


def test_healthz_ignores_the_host_check_and_the_https_redirect(settings):
    settings.ALLOWED_HOSTS = ["quarry.example.org"]
    settings.SECURE_SSL_REDIRECT = True
    assert Client().get("/healthz", HTTP_HOST="172.18.0.5:8000").status_code == 200
    assert Client().get("/cases/", HTTP_HOST="172.18.0.5:8000").status_code == 400


def test_healthz_only_reads():
    assert Client().post("/healthz").status_code == 405


@pytest.mark.django_db(transaction=True)  # it closes the connection: no test transaction
def test_healthz_is_503_while_the_database_is_unreachable():
    saved = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = free_port()  # nothing listens there
    try:
        response = Client().get("/healthz")
    finally:
        connection.close()
        connection.settings_dict["PORT"] = saved
    assert (response.status_code, response.content) == (503, b"database unavailable")
