"""403, 404 and 500 are pages with the site's navigation and a way home; under /api/ they stay
JSON."""

import pytest
from django.test import Client, RequestFactory

from core.errorpages import server_error


@pytest.fixture
def signed_in(alice):
    client = Client()
    client.force_login(alice)
    return client


def test_an_unknown_address_is_a_branded_404_page(signed_in):
    response = signed_in.get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "<title>Not found · Quarry</title>" in body
    assert 'nav aria-label="Main"' in body and 'href="/cases/"' in body


def test_a_hidden_case_is_the_same_404_page(signed_in, lena):
    from tests.factories import make_case

    hidden = make_case(created_by=lena, title="Need to know", restricted=True)
    response = signed_in.get(f"/cases/{hidden.number}/")
    assert response.status_code == 404
    assert "Nothing here" in response.content.decode()
    assert "Need to know" not in response.content.decode()


def test_an_unknown_api_address_answers_json(signed_in):
    response = signed_in.get("/api/v1/no-such-endpoint/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_an_api_error_from_drf_stays_json_in_a_browser(signed_in):
    """A browser's Accept header once got DRF's browsable HTML page; now JSON only."""
    response = signed_in.get("/api/v1/cases/QRY-1999-99999/", HTTP_ACCEPT="text/html")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_a_csrf_failure_is_a_branded_403_page(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post("/password/", {"old_password": "x"})
    assert response.status_code == 403
    assert "The form expired" in response.content.decode()


def test_a_crash_is_a_branded_500_page_without_the_database(db):
    response = server_error(RequestFactory().get("/cases/"))
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong" in body and 'href="/cases/"' in body


def test_a_crash_under_the_api_is_json(db):
    response = server_error(RequestFactory().get("/api/v1/cases/"))
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"


def test_a_refusal_is_a_branded_403_page(alice):
    from core.errorpages import permission_denied

    request = RequestFactory().get("/cases/")
    request.user = alice
    response = permission_denied(request)
    assert response.status_code == 403
    assert "Not allowed" in response.content.decode()
    assert 'href="/cases/"' in response.content.decode()


def test_a_refusal_under_the_api_is_json(alice):
    from core.errorpages import permission_denied

    response = permission_denied(RequestFactory().get("/api/v1/cases/"))
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
