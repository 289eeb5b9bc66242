"""Issue 15 in Chromium: a case opened by hand, taken, worked through its tasks, given
evidence, merged with a duplicate, reviewed by legal, referred, and then frozen: a late signal
about its accounts waits as pending instead of changing what was referred. Under
`make screenshots` it takes the README's pictures of the lifecycle's pages."""

import pytest
from playwright.sync_api import expect

from accounts.models import CaseAccount
from cases.models import Case, CaseMember, PendingSignal
from detection.ingestion import signal_ingest_batch
from detection.services import detector_create
from detection.validation import signal_validate
from exports.services import export_request, export_run
from routing.services import signals_route
from tests.factories import AccountFactory, SignalFactory, make_case

from .conftest import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def world(transactional_db, alice, lena, larry, settings, tmp_path):
    settings.QUARRY_EXPORT_KEY_PATH = str(tmp_path / "keys" / "export.pem")
    settings.QUARRY_EXPORT_DIR = str(tmp_path / "exports")
    for n in range(1, 4):
        AccountFactory(external_id=f"acct-0{n}")
    duplicate = make_case(created_by=lena, title="Same card, opened twice")
    CaseAccount.objects.create(case=duplicate, account=AccountFactory(external_id="acct-dup"))
    SignalFactory(case=duplicate, summary="Shared payment fingerprint")
    return {"duplicate": duplicate}


def _move(page, label: str, why: str, **fields) -> None:
    move = page.locator("details.move", has=page.locator(f"text=Move to {label}"))
    if move.get_attribute("open") is None:
        move.locator("summary").click()
    for name, value in fields.items():
        move.locator(f"[name={name}]").fill(value)
    move.locator("[name=reason]").fill(why)
    move.locator(f"text=Move to {label}").click()


def _late_signal(case: Case) -> None:
    """A detector names a referred account and a new one, after the referral."""
    detector, _ = detector_create(name="late-detector")
    item = {
        "external_id": "late-1",
        "kind": "shared_payment",
        "severity": "high",
        "confidence": 95,
        "observed_at": "2026-11-28T10:00:00Z",
        "summary": "Same card on a new account",
        "accounts": [{"external_id": "acct-01"}, {"external_id": "acct-new"}],
        "observables": [{"type": "payment_fingerprint", "value": "pf-77"}],
        "payload": {"card": "pf-77"},
    }
    result = signal_ingest_batch(detector=detector, signals=[signal_validate(item)])
    signals_route(signal_ids=result.created_ids)


def test_the_whole_case_lifecycle(page, world, alice, lena, larry, tmp_path, screenshots):
    duplicate = world["duplicate"]

    # Create: alice opens a case by hand from a partner's tip, with a task template.
    sign_in(page, "alice")
    page.goto("/cases/")
    page.click("text=New case")
    page.fill("#id_title", "Tip from a partner lab: card reuse")
    page.select_option("#id_severity", "high")
    page.fill("#id_accounts", "acct-01\nacct-02, acct-03")
    page.select_option("#id_task_template", "distillation")
    page.screenshot(path=str(screenshots / "case-new.png"), full_page=True)
    page.click("text=Open case")
    page.wait_for_selector("#case-title >> text=Tip from a partner lab")
    case = Case.objects.get(title="Tip from a partner lab: card reuse")
    assert case.state == "new" and case.case_accounts.count() == 3

    # Its task list from the template, and nobody on it yet: a Take button.
    page.click("a[data-tab=tasks]")
    page.wait_for_url("**tab=tasks")
    expect(page.locator("#task-rows tr")).to_have_count(4)
    page.screenshot(path=str(screenshots / "case-tasks.png"))

    # Take it, and correct the suspected actor.
    page.click("text=Take this case")
    expect(page.locator(".case-head dl.facts")).to_contain_text("alice")
    page.click("#edit-case summary")
    page.fill("#id_edit_actor", "Northwind AI")
    page.fill("#id_edit_confidence", "60")
    page.click("text=Save changes")
    expect(page.locator(".case-head dl.facts")).to_contain_text("Northwind AI (60%)")

    # Tasks: three done, one skipped with a reason.
    page.click("a[data-tab=tasks]")
    page.wait_for_url("**tab=tasks")
    for title in ("Pull payment records", "Request enforcement", "Collect prompt samples"):
        page.click(f"button[aria-label='Mark {title} done']")
        expect(page.locator("#task-rows tr", has_text=title)).to_have_attribute(
            "data-status", "done"
        )
    row = page.locator("#task-rows tr", has_text="Notify partner labs")
    row.locator("summary", has_text="Skip").click()
    row.locator("[name=skip_reason]").fill("The partner sent the tip")
    row.locator("text=Skip task").click()
    expect(page.locator("#task-rows tr", has_text="Notify partner labs")).to_have_attribute(
        "data-status", "skipped"
    )

    # A note, corrected by its author: the first text stays in its history.
    page.goto(f"/cases/{case.number}/?tab=notes")
    page.fill("#id_body", "Card pf-77 pays for all three accounts.")
    page.click("text=Add note")
    page.goto(f"/cases/{case.number}/?tab=notes")
    page.click("a[aria-label^='Edit note']")
    page.fill("#id_note_body", "Card pf-77 pays for all three accounts (confirmed by payments).")
    page.click("text=Save correction")
    page.goto(f"/cases/{case.number}/?tab=notes")
    page.click("details.history summary")
    expect(page.locator("details.history")).to_contain_text("Card pf-77 pays for all three")
    page.locator("article.note").screenshot(path=str(screenshots / "note-history.png"))

    # Evidence, collected last week by another team, with its custody log.
    page.goto(f"/cases/{case.number}/")
    page.click("a[data-tab=evidence]")
    page.wait_for_url("**tab=evidence")
    log = tmp_path / "gateway.log"
    log.write_text("acct-01 POST /v1/chat 200\n")
    page.set_input_files("#id_file", [str(log)])
    page.fill("#id_source", "API gateway")
    page.fill("#id_collected_at", "2026-11-20T09:30")
    page.fill("#id_collected_by", "Platform security team")
    page.click("form[data-uploader] button[type=submit]")
    expect(page.locator("[data-uploads] li.ok")).to_have_count(1)
    page.reload()
    row = page.locator("#evidence-rows tr", has_text="gateway.log")
    expect(row).to_contain_text("by Platform security team")
    row.locator("summary", has_text="Custody log").click()
    expect(row.locator("details.custody")).to_contain_text("Uploaded")
    page.locator("#evidence-rows").screenshot(path=str(screenshots / "evidence-custody.png"))

    # Merge: the lead folds the duplicate into alice's case, and restricts it.
    page.click("text=Sign out")
    sign_in(page, "lena")
    page.goto(f"/cases/{duplicate.number}/")
    page.click("#merge-case summary")
    page.fill("#id_merge_into", case.number)
    page.click("#merge-case button[type=submit]")
    page.wait_for_url(f"**/cases/{case.number}/**")
    expect(page.locator("#count-accounts")).to_have_text("4")
    duplicate.refresh_from_db()
    assert duplicate.resolution == "duplicate" and duplicate.duplicate_of_id == case.pk
    page.click("form[action$='/restrict'] button[type=submit]")
    expect(page.locator(".case-head")).to_contain_text("restricted")

    # Legal review: alice moves it there naming larry, who finds it in legal's queue.
    page.click("text=Sign out")
    sign_in(page, "alice")
    page.goto(f"/cases/{case.number}/")
    _move(page, "triage", "Tip checks out")
    page.wait_for_selector("#case-state >> text=Triage")
    _move(page, "investigating", "Card reuse confirmed")
    page.wait_for_selector("#case-state >> text=Investigating")
    _move(page, "enforcement", "Suspend the accounts")
    page.wait_for_selector("#case-state >> text=Enforcement")
    _move(page, "legal review", "Ready for legal", legal_reviewers="larry")
    page.wait_for_selector("#case-state >> text=Legal review")
    assert CaseMember.objects.filter(case=case, user=larry).exists()

    page.click("text=Sign out")
    sign_in(page, "larry")
    page.goto("/cases/")
    page.click("nav[aria-label=Queues] >> text=Legal review")
    page.wait_for_url("**queue=legal**")
    page.screenshot(path=str(screenshots / "legal-queue.png"))
    page.click(f"text={case.number}")
    page.wait_for_selector("#frozen")

    # Referral, with a bundle of the case built (the worker's job, run here in-process).
    export = export_request(case=case, user=larry, enqueue=False)
    export_run(export_id=export.pk)
    page.reload()
    _move(page, "referred", "Sent to counsel")
    page.wait_for_selector("#case-state >> text=Referred")

    # Freeze: a late signal about a referred account waits as pending; nothing drifts.
    linked = case.case_accounts.count()
    _late_signal(case)
    page.reload()
    expect(page.locator("#pending-count")).to_have_text("1 pending signal")
    assert case.case_accounts.count() == linked
    assert PendingSignal.objects.filter(case=case, status="pending").count() == 1

    # An investigator on the case sees it and accepts it, on the record.
    page.click("text=Sign out")
    sign_in(page, "alice")
    page.goto(f"/cases/{case.number}/?tab=signals")
    expect(page.locator("#pending")).to_contain_text("Pending signals")

    # The held signal, opened: what it says, the accounts it names, its raw payload.
    page.click("#pending a[href*='/signals/']")
    expect(page.locator("#signal-payload")).to_contain_text("pf-77")
    page.screenshot(path=str(screenshots / "signal.png"), full_page=True)
    page.go_back()
    page.fill("#id_pending_reason", "Same card, same actor")
    page.click("#pending >> text=Accept all")
    expect(page.locator("#pending-count")).to_have_count(0)
    assert case.case_accounts.count() == linked + 1
    page.click("a[data-tab=timeline]")
    timeline = page.locator("#timeline")
    for kind in (
        "case.merged_from",
        "case.legal_reviewers_added",
        "signals.held",
        "signals.accepted",
    ):
        expect(timeline).to_contain_text(kind)
    expect(page.locator("text=Audit chain verifies")).to_have_count(1)
