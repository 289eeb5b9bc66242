"""Detector tokens: who gets in, and how little a detector may do once in."""

import hashlib

from detection.models import Detector
from detection.services import detector_create, detector_token_revoke, detector_token_rotate

from .conftest import signal_json


def test_the_token_is_stored_only_as_its_sha256(prada):
    stored = Detector.objects.get(pk=prada.pk)
    assert stored.token_hash == hashlib.sha256(prada.token.encode()).hexdigest()
    assert prada.token not in (stored.token_hash, stored.token_prefix)
    assert prada.token.startswith(stored.token_prefix)


def test_no_token_is_401_with_a_bearer_challenge(client, db):
    response = client.post("/api/v1/signals", data="{}", content_type="application/json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_an_unknown_token_is_401(post_signals, prada):
    assert post_signals(signal_json(), "qdt_not-a-real-token").status_code == 401


def test_a_revoked_token_is_401(post_signals, prada):
    detector_token_revoke(detector=prada)
    assert post_signals(signal_json(), prada.token).status_code == 401


def test_rotating_replaces_the_old_token(post_signals, prada):
    new = detector_token_rotate(detector=prada)
    assert post_signals(signal_json(1), prada.token).status_code == 401
    assert post_signals(signal_json(2), new).status_code == 201


def test_a_disabled_detector_cannot_push(post_signals, prada):
    Detector.objects.filter(pk=prada.pk).update(enabled=False)
    assert post_signals(signal_json(), prada.token).status_code == 401


def test_a_detector_token_cannot_list_cases(client, prada, case):
    response = client.get("/api/v1/cases", HTTP_AUTHORIZATION=f"Bearer {prada.token}")
    assert response.status_code in (401, 403)
    assert case.number not in response.content.decode()


def test_a_detector_token_cannot_read_a_case(client, prada, case):
    response = client.get(
        f"/api/v1/cases/{case.number}", HTTP_AUTHORIZATION=f"Bearer {prada.token}"
    )
    assert response.status_code in (401, 403, 404)
    assert case.title not in response.content.decode()


def test_a_detector_token_cannot_move_a_case(client, prada, case):
    response = client.post(
        f"/api/v1/cases/{case.number}/transitions",
        data={"to_state": "triage"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {prada.token}",
    )
    assert response.status_code in (401, 403, 404)
    case.refresh_from_db()
    assert case.state == "new"


def test_a_logged_in_investigator_cannot_push_signals(client, alice):
    client.force_login(alice)
    response = client.post("/api/v1/signals", data=signal_json(), content_type="application/json")
    assert response.status_code == 401


def test_a_detector_reads_its_own_status_without_secrets(client, prada):
    response = client.get("/api/v1/detectors/me", HTTP_AUTHORIZATION=f"Bearer {prada.token}")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "prada" and body["token_prefix"] == prada.token[:12]
    assert "token_hash" not in body and prada.token not in response.content.decode()


def test_a_signing_detector_must_sign(post_signals, db):
    detector, token = detector_create(name="signer", hmac_secret="s3cret")
    assert post_signals(signal_json(), token).status_code == 401


def test_a_wrong_signature_is_401(post_signals, signed, db):
    detector, token = detector_create(name="signer", hmac_secret="s3cret")
    raw, _ = signed("s3cret", signal_json())
    _, other = signed("s3cret", signal_json(2))
    response = post_signals(raw, token, HTTP_X_QUARRY_SIGNATURE=other)
    assert response.status_code == 401


def test_a_correct_signature_is_accepted(post_signals, signed, db):
    detector, token = detector_create(name="signer", hmac_secret="s3cret")
    raw, signature = signed("s3cret", signal_json())
    response = post_signals(raw, token, HTTP_X_QUARRY_SIGNATURE=signature)
    assert response.status_code == 201
