import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import CaseEvent
from detection.models import Signal
from tests.factories import DetectorFactory, make_case

from .conftest import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def cases(transactional_db, alice, lena):
    made = [
        make_case(
            created_by=lena,
            title="Hydra proxy cluster harvesting reasoning traces",
            severity="critical",
            summary="Traffic spread over 2,000 accounts behind residential proxies.",
            suspected_actor="Hydra Group",
            tags=["distillation", "proxy"],
        ),
        make_case(created_by=lena, title="Resold API keys on a forum", severity="medium"),
        make_case(created_by=lena, title="Sign-up burst through prepaid cards", severity="high"),
        make_case(created_by=alice, title="Chain-of-thought elicitation probe", severity="low"),
    ]
    detector = DetectorFactory(name="volume-watch")
    now = timezone.now()
    kinds = ["volume_anomaly", "cot_elicitation", "shared_payment"]
    Signal.objects.bulk_create(
        Signal(
            detector=detector,
            external_id=f"s{i}",
            kind=kinds[i % 3],
            severity="high",
            confidence=80,
            observed_at=now - timezone.timedelta(hours=7 * i),
            summary="Burst of near-identical prompts",
            case=made[0],
        )
        for i in range(90)
    )
    return made


def test_an_investigator_works_a_case_end_to_end(page, cases, alice, tmp_path, screenshots):
    target = cases[0]
    sign_in(page, "alice")
    assert page.locator("h1").inner_text() == "Dashboard"
    page.wait_for_selector("canvas[data-chart][data-drawn]")
    page.screenshot(path=str(screenshots / "dashboard.png"), full_page=True)

    # Filter the queue in place: the table changes and the URL follows.
    page.click("nav[aria-label=Main] >> text=Cases")
    page.wait_for_url("**/cases/")
    page.wait_for_load_state()  # htmx binds the filters on DOMContentLoaded
    page.select_option("#id_severity", "critical")
    page.wait_for_url("**severity=critical**")
    rows = page.locator("#results tbody tr")
    rows.first.wait_for()
    # Locator waits, not wait_for_function: the CSP refuses the string evaluation it relies on.
    expect(page.locator("#results tbody tr")).to_have_count(1)
    assert target.number in rows.first.inner_text()
    page.screenshot(path=str(screenshots / "queue.png"), full_page=True)

    # Open the case.
    page.click(f"text={target.number}")
    page.wait_for_url(f"**/cases/{target.number}/")
    assert page.locator("#case-title").inner_text() == target.title

    # Upload two files at once through the drag-and-drop uploader; hashes come back.
    page.click("a[data-tab=evidence]")
    page.wait_for_url("**tab=evidence")
    first, second = tmp_path / "requests.csv", tmp_path / "notes.txt"
    first.write_text("account,calls\nacct_1,900\n")
    second.write_text("operator handle: zephyr\n")
    page.set_input_files("#id_file", [str(first), str(second)])
    page.click("form[data-uploader] button[type=submit]")
    expect(page.locator("[data-uploads] li.ok")).to_have_count(2)
    assert "SHA-256" in page.locator("[data-uploads]").inner_text()
    page.wait_for_selector("#evidence-rows >> text=requests.csv")

    # Move the case to triage, saying why.
    page.fill("#why-triage", "Confirmed the burst pattern.")
    page.click("text=Move to triage")
    page.wait_for_selector("#case-state >> text=Triage")

    # Add a note in Markdown.
    page.click("a[data-tab=notes]")
    page.fill("#id_body", "Linked to **Hydra** infrastructure.")
    page.click("text=Add note")
    page.wait_for_selector(".note strong >> text=Hydra")

    # The timeline has grown by every one of those steps, and still verifies.
    page.click("a[data-tab=timeline]")
    page.wait_for_selector("#timeline")
    timeline = page.locator("#timeline").inner_text()
    for kind in ("case.created", "evidence.added", "case.transition", "comment.added"):
        assert kind in timeline
    assert page.locator("text=Audit chain verifies").count() == 1
    assert CaseEvent.objects.filter(case=target).count() == 5

    page.click("a[data-tab=signals]")
    page.wait_for_selector("canvas[data-chart][data-drawn]")
    page.screenshot(path=str(screenshots / "case.png"))


@pytest.mark.parametrize("width", [1280, 390])
def test_pages_fit_the_screen_width(page, cases, alice, width):
    sign_in(page, "alice")
    page.set_viewport_size({"width": width, "height": 900})
    for url in ["/", "/cases/", f"/cases/{cases[0].number}/?tab=signals"]:
        page.goto(url)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (url, overflow)


def test_the_queue_and_case_tabs_work_without_javascript(
    browser, live_server, cases, alice, settings
):
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    context = browser.new_context(java_script_enabled=False, base_url=live_server.url)
    page = context.new_page()
    try:
        sign_in(page, "alice")
        page.goto("/cases/")
        page.select_option("#id_severity", "low")
        page.click("form[role=search] button[type=submit]")
        page.wait_for_url("**severity=low**")
        assert page.locator("#results tbody tr").count() == 1
        page.goto(f"/cases/{cases[0].number}/")
        page.click("a[data-tab=timeline]")
        page.wait_for_url("**tab=timeline")
        assert "case.created" in page.locator("#timeline").inner_text()
    finally:
        context.close()


def test_the_keyboard_reaches_the_skip_link_first(page, cases, alice):
    sign_in(page, "alice")
    page.goto("/cases/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
