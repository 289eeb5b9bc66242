"""Filters wait for a pause: typing a word, or arrowing through a select's options, sends one
request, not one per key."""

import pytest
from playwright.sync_api import expect

from .conftest import sign_in

pytestmark = pytest.mark.browser


def _fragment_requests(page) -> list[str]:
    sent: list[str] = []
    page.on(
        "request",
        lambda r: sent.append(r.url) if r.headers.get("hx-request") == "true" else None,
    )
    return sent


def test_typing_a_search_sends_one_request(page, world):
    sign_in(page, "alice")
    page.goto("/cases/")
    sent = _fragment_requests(page)
    page.focus("#id_q")
    page.keyboard.type("hydra", delay=60)
    expect(page.locator("#result-count")).to_have_text("1 case")
    page.wait_for_timeout(600)
    assert len(sent) == 1 and "q=hydra" in sent[0]


def test_arrowing_through_a_select_sends_one_request(page, world):
    sign_in(page, "alice")
    page.goto("/cases/")
    sent = _fragment_requests(page)
    page.focus("#id_severity")
    for _ in range(3):
        page.keyboard.press("ArrowDown")
        page.wait_for_timeout(60)
    page.wait_for_url("**severity=**")
    page.wait_for_timeout(700)
    assert len(sent) == 1
