import pytest

from cases.models import Resolution, State
from cases.services import case_transition
from core.errors import DomainError, PermissionDenied
from tests.factories import make_case
from tests.helpers import add_evidence, finished_export, force_state, link_account


def test_enforcement_needs_a_linked_account(alice, case):
    force_state(case, State.INVESTIGATING)
    with pytest.raises(DomainError, match="at least one linked account"):
        case_transition(case=case, user=alice, to_state=State.ENFORCEMENT)
    link_account(case, alice)
    assert case_transition(case=case, user=alice, to_state=State.ENFORCEMENT).state == "enforcement"


def test_legal_review_needs_evidence(alice, case):
    force_state(case, State.ENFORCEMENT)
    with pytest.raises(DomainError, match="at least one evidence item"):
        case_transition(case=case, user=alice, to_state=State.LEGAL_REVIEW)
    add_evidence(case, alice)
    assert (
        case_transition(case=case, user=alice, to_state=State.LEGAL_REVIEW).state == "legal_review"
    )


def test_referral_needs_a_finished_export(larry, alice, case):
    force_state(case, State.LEGAL_REVIEW)
    with pytest.raises(DomainError, match="finished export"):
        case_transition(case=case, user=larry, to_state=State.REFERRED)
    finished_export(case, larry)
    assert case_transition(case=case, user=larry, to_state=State.REFERRED).state == "referred"


def test_referral_needs_the_legal_role_even_for_a_lead(lena, case):
    force_state(case, State.LEGAL_REVIEW)
    finished_export(case, lena)
    with pytest.raises(PermissionDenied, match="legal"):
        case_transition(case=case, user=lena, to_state=State.REFERRED)


def test_closing_needs_a_resolution_and_a_summary(lena, case):
    with pytest.raises(DomainError, match="resolution") as info:
        case_transition(case=case, user=lena, to_state=State.CLOSED, closing_summary="x")
    assert info.value.field == "resolution"
    with pytest.raises(DomainError, match="closing summary") as info:
        case_transition(
            case=case, user=lena, to_state=State.CLOSED, resolution="benign", closing_summary="   "
        )
    assert info.value.field == "closing_summary"
    closed = case_transition(
        case=case,
        user=lena,
        to_state=State.CLOSED,
        resolution="benign",
        closing_summary="Internal load test.",
    )
    assert closed.closed_at is not None and closed.resolution == "benign"


def test_duplicate_names_a_surviving_case(lena, case):
    with pytest.raises(DomainError, match="surviving case"):
        case_transition(
            case=case,
            user=lena,
            to_state=State.CLOSED,
            resolution=Resolution.DUPLICATE,
            closing_summary="dup",
        )
    with pytest.raises(DomainError, match="itself"):
        case_transition(
            case=case,
            user=lena,
            to_state=State.CLOSED,
            resolution=Resolution.DUPLICATE,
            closing_summary="dup",
            duplicate_of=case,
        )
    survivor = make_case(created_by=lena)
    closed = case_transition(
        case=case,
        user=lena,
        to_state=State.CLOSED,
        resolution=Resolution.DUPLICATE,
        closing_summary="dup",
        duplicate_of=survivor,
    )
    assert closed.duplicate_of == survivor
    assert closed.events.last().data["duplicate_of"] == survivor.number


def test_reopen_is_a_leads_and_clears_the_resolution(lena, alice, case):
    case_transition(
        case=case,
        user=lena,
        to_state=State.CLOSED,
        resolution="benign",
        closing_summary="Looked benign.",
    )
    with pytest.raises(PermissionDenied):
        case_transition(case=case, user=alice, to_state=State.INVESTIGATING)
    reopened = case_transition(
        case=case,
        user=lena,
        to_state=State.INVESTIGATING,
        reason="New signals from the same payment fingerprint.",
    )
    assert reopened.state == State.INVESTIGATING
    assert reopened.resolution == "" and reopened.closed_at is None
    assert reopened.reopened_at is not None
    event = reopened.events.last()
    assert event.kind == "case.reopened"
    assert event.data["previous_resolution"] == "benign"
    assert event.data["reason"].startswith("New signals")


def test_a_stale_expected_state_is_refused(alice, case):
    case_transition(case=case, user=alice, to_state=State.TRIAGE)
    with pytest.raises(DomainError, match="someone moved it"):
        case_transition(case=case, user=alice, to_state=State.TRIAGE, expected_state=State.NEW)


def test_transition_records_timestamp_who_and_why(alice, case):
    moved = case_transition(case=case, user=alice, to_state=State.TRIAGE, reason="Looks real.")
    assert moved.triaged_at is not None
    event = moved.events.last()
    assert (event.actor_label, event.data["reason"]) == ("alice", "Looks real.")
