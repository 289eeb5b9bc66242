"""Failed sign-ins are counted per normalised username and address, by one mechanism for the
sign-in page and the admin's: neither spelling nor the other door gives a fresh budget."""

import pytest
from django.test import override_settings
from django.urls import reverse

from core.roles import ADMIN
from tests.factories import UserFactory

RIGHT = "correct horse battery staple"


@pytest.fixture
def lead_out(db):
    return UserFactory(username="lead_out")


def _sign_in(client, username, password, path=None):
    return client.post(path or reverse("login"), {"username": username, "password": password})


@override_settings(QUARRY_SIGNIN_MAX_FAILURES=5)
@pytest.mark.parametrize(
    "spelling",
    [" lead_out", "lead_out ", "\tlead_out", "lead_out\n", "ｌｅａｄ＿ｏｕｔ", "LEAD_OUT"],
)
def test_another_spelling_of_a_throttled_username_is_refused(client, lead_out, spelling):
    for _ in range(5):
        _sign_in(client, "lead_out", "wrong")
    response = _sign_in(client, spelling, RIGHT)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@override_settings(QUARRY_SIGNIN_MAX_FAILURES=5)
def test_failures_under_other_spellings_count_towards_one_budget(client, lead_out):
    for spelling in [" lead_out", "lead_out ", "\tlead_out", "lead_out\n", "ｌｅａｄ＿ｏｕｔ"]:
        _sign_in(client, spelling, "wrong")
    assert _sign_in(client, "lead_out", RIGHT).status_code == 429


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", roles=[ADMIN], is_staff=True, is_superuser=True)


@override_settings(QUARRY_SIGNIN_MAX_FAILURES=5)
def test_the_admin_sign_in_is_throttled(client, superuser):
    for _ in range(8):
        _sign_in(client, "root", "wrong", "/admin/login/")
    response = _sign_in(client, "root", RIGHT, "/admin/login/")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@override_settings(QUARRY_SIGNIN_MAX_FAILURES=5)
def test_admin_failures_count_on_the_main_sign_in_page(client, superuser):
    for _ in range(5):
        _sign_in(client, "root", "wrong", "/admin/login/")
    assert _sign_in(client, "root", RIGHT).status_code == 429


@override_settings(QUARRY_SIGNIN_MAX_FAILURES=5, QUARRY_SIGNIN_WINDOW_SECONDS=60)
def test_the_refusal_says_how_long_to_wait(client, lead_out):
    for _ in range(5):
        _sign_in(client, "lead_out", "wrong")
    page = _sign_in(client, "lead_out", RIGHT).content.decode()
    assert "Too many failed sign-ins" in page and "Wait 1 minute," in page
