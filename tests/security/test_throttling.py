"""Past its budget, an API client gets 429 with Retry-After; budgets are per principal."""

import pytest
from django.core.cache import cache

from detection.services import detector_create


@pytest.fixture(autouse=True)
def small_budgets(db, settings):
    settings.QUARRY_API_RATE_USER = "3/min"
    settings.QUARRY_API_RATE_DETECTOR = "2/min"
    settings.QUARRY_API_RATE_ANON = "2/min"
    cache.clear()
    yield
    cache.clear()


def test_a_user_past_the_budget_gets_429_with_retry_after(client, alice):
    client.force_login(alice)
    answers = [client.get("/api/v1/cases").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    refused = client.get("/api/v1/cases")
    assert int(refused["Retry-After"]) > 0
    assert "throttled" in refused.json()["detail"]


def test_each_user_has_a_budget_of_their_own(client, alice, lena):
    client.force_login(alice)
    for _ in range(3):
        client.get("/api/v1/cases")
    client.force_login(lena)
    assert client.get("/api/v1/cases").status_code == 200


def test_a_detector_has_its_own_budget(client, alice):
    _, token = detector_create(name="throttled")
    _, other = detector_create(name="spared")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    answers = [client.get("/api/v1/detectors/me", **auth).status_code for _ in range(3)]
    assert answers == [200, 200, 429]
    assert (
        client.get("/api/v1/detectors/me", HTTP_AUTHORIZATION=f"Bearer {other}").status_code == 200
    )
    client.force_login(alice)
    assert client.get("/api/v1/cases").status_code == 200


def test_anonymous_callers_are_throttled_by_address(client):
    """Only the schema is open to anonymous callers; their refusals elsewhere count too."""
    answers = [client.get("/api/schema/").status_code for _ in range(3)]
    assert answers == [200, 200, 429]


def test_anonymous_refusals_meet_the_anonymous_budget(client, case):
    answers = [client.get("/api/v1/cases").status_code for _ in range(4)]
    assert answers == [403, 403, 429, 429]
    assert int(client.get(f"/api/v1/cases/{case.number}")["Retry-After"]) > 0


def test_bad_token_pushes_meet_the_anonymous_budget(client, db):
    bad = {"HTTP_AUTHORIZATION": "Bearer qdt_not_a_token"}
    answers = [
        client.post("/api/v1/signals", "{}", content_type="application/json", **bad).status_code
        for _ in range(3)
    ]
    assert answers == [401, 401, 429]


def test_a_good_detector_is_not_held_by_anonymous_refusals(client, db):
    for _ in range(4):
        client.get("/api/v1/cases")
    _, token = detector_create(name="good")
    response = client.get("/api/v1/detectors/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
