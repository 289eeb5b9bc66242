"""Playwright against Debian's chromium (never a downloaded browser), driving a live server."""

import os

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test
# itself (fixtures, assertions) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("QUARRY_CHROMIUM", "/usr/bin/chromium"),
            args=CHROMIUM_ARGS,
            headless=True,
        )
        yield browser
        browser.close()


@pytest.fixture
def plain_http_cookies(settings):
    """The live server speaks plain HTTP; secure-only cookies would never come back."""
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


@pytest.fixture
def page(browser, live_server, plain_http_cookies):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def sign_in(page, username: str, password: str = "correct horse battery staple") -> None:
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


@pytest.fixture(autouse=True)
def fresh_cache(transactional_db):
    """Drop-down choices and charts are cached; each test starts without them."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def world(transactional_db, alice, lena, larry, adam):
    """A small deployment with something on every page: a case with accounts in a cluster,
    shared values, signals of three kinds over two weeks, evidence, a note and a finished
    export; a restricted case; a closed one."""
    from tests.browser.world import furnish

    return furnish(alice=alice, lena=lena, larry=larry)
