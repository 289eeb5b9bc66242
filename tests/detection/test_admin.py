"""Admins see feed health and rotate or revoke tokens from the Django admin."""

import pytest
from django.contrib.auth import get_user_model

from detection.auth import token_hash
from detection.models import Detector, FeedPoll
from detection.services import detector_create


@pytest.fixture
def admin_client(client, db):
    user = get_user_model().objects.create_superuser("root", "root@lab.example", "pw-12345678")
    client.force_login(user)
    return client


def test_the_detector_list_shows_feed_health(admin_client):
    detector, _ = detector_create(name="reference", pull=True, feed_url="http://127.0.0.1:9/feed")
    from django.utils import timezone

    FeedPoll.objects.create(detector=detector, at=timezone.now(), created=600, cursor_after="600")
    page = admin_client.get("/admin/detection/detector/").content.decode()
    assert "reference" in page
    assert '<td class="field-items_per_minute">60</td>' in page


def test_the_rotate_action_shows_the_new_token_once(admin_client):
    detector, old = detector_create(name="prada")
    response = admin_client.post(
        "/admin/detection/detector/",
        {"action": "rotate_token", "_selected_action": [detector.pk]},
        follow=True,
    )
    detector.refresh_from_db()
    shown = [m.message for m in response.context["messages"]][0]
    new = shown.rsplit(" ", 1)[-1]
    assert detector.token_hash == token_hash(new) != token_hash(old)


def test_the_revoke_action_revokes(admin_client):
    detector, _ = detector_create(name="prada")
    admin_client.post(
        "/admin/detection/detector/",
        {"action": "revoke_token", "_selected_action": [detector.pk]},
    )
    assert Detector.objects.get(pk=detector.pk).token_revoked_at is not None


def test_the_detector_page_lists_its_own_recent_polls(admin_client):
    from django.utils import timezone

    mine, _ = detector_create(name="mine", pull=True, feed_url="http://127.0.0.1:9/feed")
    other, _ = detector_create(name="other", pull=True, feed_url="http://127.0.0.1:9/feed")
    FeedPoll.objects.create(detector=mine, at=timezone.now(), cursor_after="mine-cursor-7")
    FeedPoll.objects.create(detector=other, at=timezone.now(), cursor_after="other-cursor-9")
    page = admin_client.get(f"/admin/detection/detector/{mine.pk}/change/").content.decode()
    assert "mine-cursor-7" in page and "other-cursor-9" not in page


def test_a_feed_url_typed_without_a_scheme_is_taken_as_https(admin_client, rf):
    from django.contrib import admin

    request = rf.get("/admin/detection/detector/add/")
    request.user = get_user_model().objects.get(username="root")
    form = admin.site._registry[Detector].get_form(request)
    field = form.base_fields["feed_url"]
    assert field.clean("feeds.example.org/signals") == "https://feeds.example.org/signals"
    assert field.clean("http://127.0.0.1:9/feed") == "http://127.0.0.1:9/feed"
