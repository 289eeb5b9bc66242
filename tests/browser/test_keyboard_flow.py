"""The main flow by keyboard alone: sign in, queue, case, tabs, move, upload, export. No click,
no pointer event; focus lands where the work continues and the page says what happened."""

import pytest
from playwright.sync_api import expect

from exports.models import Export
from exports.services import export_run

from .axe import axe_violations
from .walk import settle

pytestmark = pytest.mark.browser

# Counts every pointer event the page sees, through a binding (the page's CSP allows no inline
# script, but an init script and a binding are the browser's, not the page's).
POINTER_WATCH = """
for (const type of ["pointerdown", "mousedown", "pointerup", "mouseup"]) {
  window.addEventListener(type, (e) => window.pointerSeen(e.type + " on " + e.target.tagName), true);
}
"""


@pytest.fixture
def keyboard_page(page, settings, tmp_path):
    settings.QUARRY_EXPORT_DIR = str(tmp_path / "exports")
    settings.QUARRY_EXPORT_KEY_PATH = str(tmp_path / "keys" / "export.pem")
    pointer: list[str] = []
    page.expose_function("pointerSeen", lambda seen: pointer.append(seen))
    page.add_init_script(POINTER_WATCH)
    page.pointer_events = pointer
    return page


def tab_to(page, selector: str, *, limit: int = 120, back: bool = False) -> None:
    """Press Tab (or Shift+Tab) until the focused element matches `selector`."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Shift+Tab" if back else "Tab")
    raise AssertionError(f"Tab never reached {selector}")


def follow(page, selector: str, address: str) -> None:
    """Tab to a link or button, press Enter, wait for the address it leads to."""
    tab_to(page, selector)
    page.keyboard.press("Enter")
    page.wait_for_url(address)


def focused(page, selector: str) -> bool:
    return page.evaluate("(s) => document.activeElement.matches(s)", selector)


def test_the_main_flow_by_keyboard_alone(keyboard_page, world, lena, tmp_path):
    page = keyboard_page
    case = world["case"]

    page.goto("/login/")
    page.keyboard.type("lena")  # the username field has focus on arrival
    page.keyboard.press("Tab")
    page.keyboard.type("correct horse battery staple")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Dashboard")

    # Queue: type a search, the results follow (debounced) and their count is announced.
    follow(page, "nav[aria-label=Main] a[href='/cases/']", "**/cases/")
    tab_to(page, "#id_q")
    page.keyboard.type("hydra")
    expect(page.locator("#result-count")).to_have_text("1 case")
    expect(page.locator("#announce")).to_have_text("1 case found")
    assert focused(page, "#id_q")
    follow(page, f"#results a[href$='/{case.number}/']", f"**/cases/{case.number}/")

    # Tabs: the panel swaps, focus stays on the tab, the new section is announced.
    follow(page, "a[data-tab=evidence]", "**tab=evidence")
    expect(page.locator("#announce")).to_have_text("Evidence shown")
    assert focused(page, "a[data-tab=evidence]")

    # Upload: the file input opens its chooser from the keyboard; after the upload the panel
    # is replaced and focus moves to the results, which are announced.
    sample = tmp_path / "prompts.txt"
    sample.write_text("prompt: explain step by step\n")
    settle(page)  # the swapped-in panel is bound and done loading before the keys go to it
    tab_to(page, "#id_file")
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(str(sample))
    tab_to(page, "form[data-uploader] button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator("#evidence-rows")).to_contain_text("prompts.txt")
    expect(page.locator("[data-uploads] li.ok")).to_have_count(1)
    expect(page.locator("#announce")).to_have_text("1 file uploaded")
    assert focused(page, "[data-uploads]")
    assert axe_violations(page) == []

    # Move to triage with a reason; the flash message is announced after the reload.
    tab_to(page, "#why-triage")
    page.keyboard.type("Burst pattern confirmed.")
    page.keyboard.press("Tab")
    assert focused(page, "details.move[open] button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator("#case-state")).to_have_text("Triage")
    expect(page.locator("#announce")).to_contain_text("is now triage")

    # Export: start it from the exports tab; focus lands on the exports section, and the
    # row announces when the bundle is done.
    follow(page, "a[data-tab=exports]", "**tab=exports")
    follow(page, "#case-exports button.primary", "**tab=exports#case-exports")
    expect(page.locator("#case-exports")).to_be_focused()
    export = Export.objects.filter(case=case).latest("pk")
    export_run(export_id=export.pk)
    expect(page.locator("#announce")).to_have_text(f"Export {export.pk} done")
    settle(page)
    assert axe_violations(page) == []

    assert page.pointer_events == []
