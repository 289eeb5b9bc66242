import pytest
from axes.models import AccessAttempt
from django.test import override_settings
from django.urls import reverse


def _attempt(client, username="alice", password="wrong"):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_signing_in_lands_on_the_dashboard(client, alice):
    response = _attempt(client, password="correct horse battery staple")
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")


def test_a_wrong_password_says_so(client, alice):
    response = _attempt(client)
    assert response.status_code == 200
    assert "did not match" in response.content.decode()


@override_settings(QUARRY_SIGNIN_MAX_FAILURES=3)
def test_too_many_failures_are_refused_with_429_even_with_the_right_password(client, alice):
    for _ in range(3):
        _attempt(client)
    response = _attempt(client, password="correct horse battery staple")
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session


@override_settings(QUARRY_SIGNIN_MAX_FAILURES=3)
def test_the_limit_is_per_username(client, alice, oscar):
    for _ in range(3):
        _attempt(client, username="alice")
    response = _attempt(client, username="oscar", password="correct horse battery staple")
    assert response.status_code == 302


@override_settings(QUARRY_SIGNIN_MAX_FAILURES=3)
def test_the_limit_is_per_address(client, alice):
    for _ in range(3):
        _attempt(client)
    response = client.post(
        reverse("login"),
        {"username": "alice", "password": "correct horse battery staple"},
        REMOTE_ADDR="198.51.100.7",
    )
    assert response.status_code == 302


def test_a_successful_sign_in_clears_the_failures(client, alice):
    _attempt(client)
    _attempt(client, password="correct horse battery staple")
    assert not AccessAttempt.objects.filter(username="alice").exists()


def test_signing_out_ends_the_session(client, alice):
    client.force_login(alice)
    client.post(reverse("logout"))
    assert client.get(reverse("dashboard")).status_code == 302


def test_password_change_takes_the_new_password(client, alice):
    client.force_login(alice)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "correct horse battery staple",
            "new_password1": "a much longer passphrase 42",
            "new_password2": "a much longer passphrase 42",
        },
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("a much longer passphrase 42")


@pytest.mark.parametrize("name", ["dashboard", "cases:queue", "password_change"])
def test_pages_need_a_signed_in_user(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and "/login/" in response["Location"]
