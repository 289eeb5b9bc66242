"""Limits that hold for every client: anonymous and bad-token callers meet a budget, budgets
are counted once for all web processes, anonymous bodies are refused unread, and what a
signed-in person sees is not cached."""

import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client

from core.api import DETECTOR_TOKEN_REFUSED
from core.ratelimit import rate_limits_forget
from detection.services import detector_create
from tests.helpers import add_evidence


def test_a_detector_token_on_the_case_api_is_told_why(client, db):
    _, token = detector_create(name="lost")
    response = client.get("/api/v1/cases", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 403
    assert response.json() == {"detail": DETECTOR_TOKEN_REFUSED}
    assert "/api/v1/signals" in DETECTOR_TOKEN_REFUSED


def test_a_budget_is_shared_by_every_process(transactional_db, client, alice, settings):
    """The budgets are rows in the database: another process (another gunicorn worker) sees
    the budget this one spent, and refuses the next request."""
    settings.QUARRY_API_RATE_USER = "2/min"
    rate_limits_forget()
    client.force_login(alice)
    assert [client.get("/api/v1/cases").status_code for _ in range(2)] == [200, 200]
    db = connection.settings_dict
    script = (
        "import django, os\n"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'\n"
        "django.setup()\n"
        "from core.ratelimit import rate_take\n"
        f"print(rate_take('throttle_user_{alice.pk}', 2, 60))\n"
    )
    url = f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    if db.get("PASSWORD"):
        url = url.replace(f"{db['USER']}@", f"{db['USER']}:{db['PASSWORD']}@")
    seen = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": url, "SECRET_KEY": "x" * 50},
        cwd=django_settings.BASE_DIR,
        timeout=60,
    )
    # Refused over there: it names the wait, about half a minute at 2 a minute.
    assert 0 < float(seen.stdout.strip()) <= 30, seen.stdout + seen.stderr[-2000:]
    assert client.get("/api/v1/cases").status_code == 429
    rate_limits_forget()


def test_an_anonymous_upload_is_refused_before_its_body_is_read(db, case, settings):
    settings.QUARRY_ANONYMOUS_MAX_BODY_BYTES = 64 * 1024
    client = Client(enforce_csrf_checks=True)
    csrf = _get_new_csrf_string()
    client.cookies["csrftoken"] = csrf
    response = client.post(
        f"/cases/{case.number}/evidence",
        {"file": ("big.bin", b"x" * (3 * 1024 * 1024)), "csrfmiddlewaretoken": csrf},
    )
    assert response.status_code == 413
    assert "Sign in first" in response.content.decode()


def test_a_signed_in_upload_is_not_held_to_the_anonymous_limit(client, alice, case, settings):
    settings.QUARRY_ANONYMOUS_MAX_BODY_BYTES = 1024
    client.force_login(alice)
    from django.core.files.uploadedfile import SimpleUploadedFile

    file = SimpleUploadedFile("log.txt", b"y" * 4096)
    response = client.post(
        f"/cases/{case.number}/evidence", {"file": file}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 201


def test_the_sign_in_form_fits_the_anonymous_limit(client, alice):
    response = client.post("/login/", {"username": "alice", "password": "wrong"})
    assert response.status_code == 200


@pytest.mark.parametrize("what", ["download", "preview", "page"])
def test_evidence_is_never_cached(client, alice, case, what):
    item = add_evidence(case, alice)
    client.force_login(alice)
    url = {
        "download": f"/cases/{case.number}/evidence/{item.pk}/download",
        "preview": f"/cases/{case.number}/evidence/{item.pk}/preview",
        "page": f"/cases/{case.number}/?tab=evidence",
    }[what]
    response = client.get(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
