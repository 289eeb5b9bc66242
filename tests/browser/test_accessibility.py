"""WCAG 2.1 AA, checked by axe-core on every page as every role, and after htmx swaps; the
same walk asserts a clean console (no error, no CSP violation)."""

import pytest
from playwright.sync_api import expect

from web.workspace import TABS

from .axe import axe_violations
from .conftest import sign_in
from .walk import ConsoleWatch, settle
from .world import addresses

pytestmark = pytest.mark.browser

ROLES = ["alice", "lena", "larry", "adam"]  # investigator, lead, legal, admin


def _audit(page, found: list[str]) -> None:
    settle(page)
    found.extend(axe_violations(page))


def _walk_pages(page, world, found, screenshots) -> None:
    for address in addresses(world):
        response = page.goto(address)
        _audit(page, found)
        if response.status == 404:
            page.screenshot(path=str(screenshots / "not-found.png"))


def _walk_swaps(page, world, found) -> None:
    """What htmx swaps in: queue results, every tab, filters inside a tab."""
    page.goto("/cases/")
    page.fill("#id_q", "hydra")
    expect(page.locator("#result-count")).to_have_text("1 case")
    _audit(page, found)
    number = world["case"].number
    page.goto(f"/cases/{number}/")
    if page.locator("#panel").count() == 0:
        return  # this role does not see the case
    for tab in [*TABS[1:], TABS[0]]:  # every tab, by htmx, ending where the page started
        page.click(f"a[data-tab={tab}]")
        page.wait_for_url(f"**tab={tab}")
        expect(page.locator("#panel")).to_have_attribute("aria-label", tab.capitalize())
        _audit(page, found)
    page.click("a[data-tab=signals]")
    page.wait_for_url("**tab=signals")
    expect(page.locator("#panel")).to_have_attribute("aria-label", "Signals")
    settle(page)  # htmx has bound the filter form it swapped in before the select changes
    page.select_option("#id_signal_kind", "partner_indicator")
    page.wait_for_url("**kind=partner_indicator**")
    _audit(page, found)


@pytest.mark.parametrize("username", ROLES)
def test_every_page_passes_axe_and_logs_nothing_to_the_console(page, world, username, screenshots):
    watch = ConsoleWatch(page)
    sign_in(page, username)
    found: list[str] = []
    _walk_pages(page, world, found, screenshots)
    _walk_swaps(page, world, found)
    assert found == []
    assert watch.problems == []


def test_the_sign_in_page_passes_axe(page, world):
    page.goto("/login/")
    assert axe_violations(page) == []


def test_axe_reports_a_violation_when_there_is_one(page, world):
    """The audit can fail: a low-contrast text and an image without a name are reported."""
    sign_in(page, "alice")
    page.goto("/cases/")
    page.evaluate(
        "() => { const p = document.createElement('p'); p.textContent = 'faint';"
        " p.className = 'faint-for-test'; p.setAttribute('aria-label', 'x');"
        " const i = document.createElement('img'); i.src = '/static/quarry/favicon.svg';"
        " document.getElementById('main').append(p, i); }"
    )
    rules = " ".join(axe_violations(page))
    assert "image-alt" in rules


@pytest.mark.parametrize("width", [320])
def test_every_page_reflows_at_320_pixels(page, world, width):
    sign_in(page, "lena")
    page.set_viewport_size({"width": width, "height": 800})
    wide = []
    for address in addresses(world):
        page.goto(address)
        settle(page)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 0:
            wide.append((address, overflow))
    assert wide == [], wide


def test_back_and_forward_restore_the_filters_and_log_nothing(page, world):
    watch = ConsoleWatch(page)
    sign_in(page, "alice")
    page.goto("/cases/")
    page.fill("#id_q", "hydra")
    expect(page.locator("#result-count")).to_have_text("1 case")
    page.select_option("#id_severity", "high")
    page.wait_for_url("**severity=high**")
    page.goto(f"/cases/{world['case'].number}/graph/")
    settle(page)
    page.go_back()
    expect(page.locator("#id_q")).to_have_value("hydra")
    expect(page.locator("#id_severity")).to_have_value("high")
    page.go_back()
    expect(page.locator("#id_severity")).to_have_value("")
    expect(page.locator("#id_q")).to_have_value("hydra")
    page.go_forward()
    expect(page.locator("#id_severity")).to_have_value("high")
    settle(page)
    assert watch.problems == []
