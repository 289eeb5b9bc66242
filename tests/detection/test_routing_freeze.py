"""From legal review on, and under legal hold, routing leaves a case alone (cases/freeze.py):
the 23 -> 25 accounts drift of issue 15 is reproduced here and shown gone."""

import pytest

from accounts.models import CaseAccount
from cases.audit import chain_verify
from cases.freeze import pending_signals_decide
from cases.models import Case, CaseMember, PendingSignal
from core.errors import DomainError, PermissionDenied
from detection.models import Signal
from tests.helpers import force_state

from .routing_helpers import ingest, item, route

CARD = ("payment_fingerprint", "pf-campaign")


def _campaign(prada, accounts: int) -> Case:
    """A referred, restricted case under legal hold holding `accounts` accounts of one
    cluster, as routing built it."""
    route(ingest(prada, item(1, [(f"acct-{i:02d}", [CARD]) for i in range(accounts)])))
    case = Case.objects.get()
    Case.objects.filter(pk=case.pk).update(restricted=True, legal_hold=True)
    return force_state(case, "referred")


def _linked(case: Case) -> int:
    return CaseAccount.objects.filter(case=case).count()


def _late_signal(prada, n: int = 2):
    """Two new accounts of the same cluster (they share the card), as after the referral."""
    return ingest(prada, item(n, [("acct-new-1", [CARD]), ("acct-new-2", [CARD])]))


def test_the_referred_case_no_longer_drifts_from_23_to_25_accounts(prada):
    case = _campaign(prada, 23)
    signals_before = case.signals.count()
    route(_late_signal(prada))
    assert _linked(case) == 23
    assert case.signals.count() == signals_before
    # Only the attach that opened the case: nothing attached after the referral.
    assert case.events.filter(kind="signals.attached").count() == 1


def test_the_signal_is_held_pending_on_the_case_and_audited(prada):
    case = _campaign(prada, 23)
    ids = _late_signal(prada)
    route(ids)
    held = PendingSignal.objects.get(case=case)
    assert held.signal_id == ids[0] and held.status == "pending"
    signal = Signal.objects.get(pk=ids[0])
    assert signal.case is None and signal.routed_at is not None
    event = case.events.get(kind="signals.held")
    assert event.data["signals"] == ["r-2"] and event.data["count"] == 1
    assert chain_verify(case) is None


def test_a_held_signal_is_not_routed_again(prada):
    case = _campaign(prada, 3)
    ids = _late_signal(prada)
    route(ids)
    assert route(ids) == 0
    assert PendingSignal.objects.filter(case=case).count() == 1


@pytest.mark.parametrize("state", ["legal_review", "referred"])
def test_every_frozen_state_holds(prada, state):
    case = _campaign(prada, 3)
    Case.objects.filter(pk=case.pk).update(legal_hold=False)
    force_state(case, state)
    route(_late_signal(prada))
    assert _linked(case) == 3 and PendingSignal.objects.filter(case=case).count() == 1


def test_legal_hold_alone_freezes_an_investigating_case(prada):
    case = _campaign(prada, 3)
    force_state(case, "investigating")
    route(_late_signal(prada))
    assert _linked(case) == 3 and PendingSignal.objects.filter(case=case).count() == 1


def test_an_unfrozen_case_still_takes_its_clusters_signals(prada):
    case = _campaign(prada, 3)
    Case.objects.filter(pk=case.pk).update(legal_hold=False)
    force_state(case, "enforcement")
    route(_late_signal(prada))
    assert _linked(case) == 5 and not PendingSignal.objects.exists()


def test_accepting_attaches_the_signal_and_links_its_accounts(prada, alice):
    case = _campaign(prada, 23)
    ids = _late_signal(prada)
    route(ids)
    pending_signals_decide(
        case=case, user=alice, pending_ids=None, accept=True, reason="same actor"
    )
    assert Signal.objects.get(pk=ids[0]).case_id == case.pk
    assert _linked(case) == 25
    event = case.events.get(kind="signals.accepted")
    assert event.actor == alice and event.data["accounts_linked"] == ["acct-new-1", "acct-new-2"]
    assert PendingSignal.objects.get(case=case).status == "accepted"
    assert chain_verify(case) is None


def test_rejecting_leaves_the_case_as_it_was(prada, alice):
    case = _campaign(prada, 23)
    ids = _late_signal(prada)
    route(ids)
    rows = pending_signals_decide(
        case=case, user=alice, pending_ids=None, accept=False, reason="other actor"
    )
    assert rows[0].status == "rejected"
    assert Signal.objects.get(pk=ids[0]).case is None and _linked(case) == 23
    assert case.events.get(kind="signals.rejected").data["reason"] == "other actor"


def test_legal_cannot_decide_and_nothing_changes(prada, larry):
    case = _campaign(prada, 3)
    route(_late_signal(prada))
    with pytest.raises(PermissionDenied):
        pending_signals_decide(case=case, user=larry, pending_ids=None, accept=True)
    assert PendingSignal.objects.get(case=case).status == "pending"


def test_deciding_with_nothing_pending_is_refused(prada, alice):
    case = _campaign(prada, 3)
    with pytest.raises(DomainError) as info:
        pending_signals_decide(case=case, user=alice, pending_ids=None, accept=True)
    assert info.value.status == 400


def test_by_setting_a_follow_up_case_takes_the_signals(prada, settings):
    settings.QUARRY_FROZEN_SIGNALS = "follow_up"
    case = _campaign(prada, 23)
    ids = _late_signal(prada)
    route(ids)
    follow_up = Case.objects.get(follow_up_of=case)
    assert follow_up.restricted and "follow-up" in follow_up.tags
    assert Signal.objects.get(pk=ids[0]).case == follow_up
    assert _linked(case) == 23 and _linked(follow_up) == 2
    assert case.events.filter(kind="case.follow_up_opened").exists()
    # A later signal joins the same follow-up rather than opening another.
    route(ingest(prada, item(3, [("acct-new-3", [CARD])])))
    assert Case.objects.filter(follow_up_of=case).count() == 1
    assert _linked(case) == 23 and _linked(follow_up) == 3


def test_the_api_lists_and_decides_pending_signals(client, prada, alice):
    case = _campaign(prada, 3)
    route(_late_signal(prada))
    CaseMember.objects.create(case=case, user=alice)
    client.force_login(alice)
    listed = client.get(f"/api/v1/cases/{case.number}/pending").json()
    assert [p["status"] for p in listed] == ["pending"]
    response = client.post(
        f"/api/v1/cases/{case.number}/pending",
        {"accept": False, "ids": [listed[0]["id"]], "reason": "noise"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()[0]["status"] == "rejected"
    assert response.json()[0]["decided_by"] == "alice"


def test_the_api_refuses_a_decision_without_accept(client, prada, alice):
    case = _campaign(prada, 3)
    route(_late_signal(prada))
    CaseMember.objects.create(case=case, user=alice)
    client.force_login(alice)
    response = client.post(
        f"/api/v1/cases/{case.number}/pending", {}, content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["field"] == "accept"
    assert PendingSignal.objects.get(case=case).status == "pending"


def test_the_case_page_shows_the_pending_count(client, prada, alice):
    case = _campaign(prada, 3)
    route(_late_signal(prada))
    CaseMember.objects.create(case=case, user=alice)
    client.force_login(alice)
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert "1 pending signal" in page and 'id="frozen"' in page
