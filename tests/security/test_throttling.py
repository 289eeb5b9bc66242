"""Past its budget, an API client gets 429 with Retry-After; budgets are per principal."""

import pytest
from django.db import connection

from core.ratelimit import FORGET_EVERY, rate_limits_forget, rate_take
from detection.services import detector_create


@pytest.fixture(autouse=True)
def small_budgets(db, settings):
    settings.QUARRY_API_RATE_USER = "3/min"
    settings.QUARRY_API_RATE_DETECTOR = "2/min"
    settings.QUARRY_API_RATE_ANON = "2/min"
    rate_limits_forget()


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


def test_a_budget_refills_at_its_rate_and_never_bursts_past_it(db):
    """N per period: N at once, then one every period / N (the generic cell rate algorithm)."""
    assert [rate_take("k", 3, 3600) for _ in range(3)] == [None, None, None]
    wait = rate_take("k", 3, 3600)
    assert wait is not None and 1190 < wait <= 1200  # one request every 20 minutes
    with connection.cursor() as cursor:  # 20 minutes pass
        cursor.execute("UPDATE quarry_rate_limit SET tat = tat - interval '20 minutes'")
    assert rate_take("k", 3, 3600) is None
    assert rate_take("k", 3, 3600) is not None  # one came back, not three


def test_a_refused_request_spends_nothing(db):
    rate_take("k", 1, 60)
    for _ in range(5):
        assert rate_take("k", 1, 60) is not None
    with connection.cursor() as cursor:  # the minute passes
        cursor.execute("UPDATE quarry_rate_limit SET tat = tat - interval '60 seconds'")
    assert rate_take("k", 1, 60) is None


def test_a_new_rate_starts_a_new_budget(db):
    rate_take("k", 1, 60)
    assert rate_take("k", 1, 60) is not None
    assert rate_take("k", 100, 60) is None


def test_budgets_of_the_past_are_forgotten(db):
    """Callers from ever new addresses cannot grow the table: every FORGET_EVERY-th new key removes
    the rows whose time has passed (they hold nothing an absent row would not)."""
    rate_take("old", 1, 60)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE quarry_rate_limit SET tat = tat - interval '1 hour'")
    for n in range(FORGET_EVERY):
        rate_take(f"new-{n}", 1, 60)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM quarry_rate_limit WHERE key LIKE 'old@%'")
        assert cursor.fetchone()[0] == 0
