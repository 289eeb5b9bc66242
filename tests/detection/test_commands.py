"""The detector management commands print a token once and act on the right detector."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from detection.auth import token_hash
from detection.models import Detector, DetectorFeedState


def _run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def _printed_token(output: str) -> str:
    return [line for line in output.splitlines() if line.startswith("qdt_")][0]


def test_detector_create_prints_a_token_that_authenticates(db, client):
    token = _printed_token(_run("detector_create", "prada"))
    assert Detector.objects.get(name="prada").token_hash == token_hash(token)
    response = client.get("/api/v1/detectors/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200


def test_detector_create_makes_a_pull_detector_with_its_feed(db):
    _run(
        "detector_create",
        "feed",
        "--pull",
        "--feed-url",
        "http://127.0.0.1:9/feed",
        "--auth-header",
        "Authorization: Bearer x",
        "--poll-interval",
        "7",
    )
    detector = Detector.objects.get(name="feed")
    assert (detector.mode, detector.poll_interval_seconds) == ("pull", 7)
    assert detector.feed_auth_header == "Authorization: Bearer x"
    assert DetectorFeedState.objects.filter(detector=detector).exists()


def test_a_pull_detector_without_a_feed_url_is_refused(db):
    with pytest.raises(CommandError, match="feed URL"):
        _run("detector_create", "feed", "--pull")


def test_detector_create_if_missing_leaves_an_existing_detector_alone(db):
    first = _printed_token(_run("detector_create", "prada"))
    output = _run("detector_create", "prada", "--if-missing")
    assert "qdt_" not in output
    assert Detector.objects.get(name="prada").token_hash == token_hash(first)


def test_rotate_prints_a_new_token_and_retires_the_old(db, client):
    old = _printed_token(_run("detector_create", "prada"))
    new = _printed_token(_run("detector_rotate_token", "prada"))
    assert new != old
    assert client.get("/api/v1/detectors/me", HTTP_AUTHORIZATION=f"Bearer {old}").status_code == 401
    assert client.get("/api/v1/detectors/me", HTTP_AUTHORIZATION=f"Bearer {new}").status_code == 200


def test_revoke_stops_the_token(db, client):
    token = _printed_token(_run("detector_create", "prada"))
    _run("detector_revoke_token", "prada")
    assert (
        client.get("/api/v1/detectors/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    )


@pytest.mark.parametrize("command", ["detector_rotate_token", "detector_revoke_token"])
def test_a_token_command_names_the_detector_it_cannot_find(db, command):
    with pytest.raises(CommandError, match="No detector named 'nobody'"):
        _run(command, "nobody")
