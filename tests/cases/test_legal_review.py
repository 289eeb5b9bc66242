"""Legal's queue, and the reviewers a move into legal review makes members."""

import pytest

from cases.models import CaseMember
from cases.services import case_transition
from core.errors import DomainError
from tests.helpers import add_evidence, force_state


@pytest.fixture
def ready(restricted_case, alice):
    add_evidence(restricted_case, alice)
    return force_state(restricted_case, "enforcement")


def test_named_reviewers_become_members_audited(alice, larry, ready):
    case_transition(case=ready, user=alice, to_state="legal_review", legal_reviewers=["larry"])
    assert CaseMember.objects.filter(case=ready, user=larry).exists()
    event = ready.events.get(kind="case.legal_reviewers_added")
    assert event.data == {"members": ["larry"]} and event.actor == alice


def test_a_name_without_the_legal_role_is_refused_and_nothing_moves(alice, oscar, ready):
    with pytest.raises(DomainError) as info:
        case_transition(case=ready, user=alice, to_state="legal_review", legal_reviewers=["oscar"])
    assert info.value.field == "legal_reviewers"
    ready.refresh_from_db()
    assert ready.state == "enforcement"


def test_by_setting_the_legal_group_is_added(alice, larry, ready, settings):
    settings.QUARRY_LEGAL_REVIEW_ADDS_LEGAL_GROUP = True
    case_transition(case=ready, user=alice, to_state="legal_review")
    assert CaseMember.objects.filter(case=ready, user=larry).exists()


def test_without_the_setting_nobody_is_added(alice, larry, ready):
    case_transition(case=ready, user=alice, to_state="legal_review")
    assert not CaseMember.objects.filter(case=ready, user=larry).exists()


def test_the_legal_review_queue_shows_the_restricted_case_to_its_reviewer(
    client, alice, larry, ready
):
    client.force_login(larry)
    assert ready.number not in client.get("/cases/?queue=legal").content.decode()
    case_transition(case=ready, user=alice, to_state="legal_review", legal_reviewers=["larry"])
    page = client.get("/cases/?queue=legal").content.decode()
    assert "Legal review" in page and ready.number in page


def test_the_queue_holds_only_cases_in_legal_review(client, larry, case):
    client.force_login(larry)
    assert case.number not in client.get("/cases/?queue=legal").content.decode()


def test_the_api_transition_names_reviewers(client, alice, larry, ready):
    client.force_login(alice)
    response = client.post(
        f"/api/v1/cases/{ready.number}/transitions",
        {"to_state": "legal_review", "legal_reviewers": ["larry"]},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert CaseMember.objects.filter(case=ready, user=larry).exists()


def test_the_page_form_names_reviewers(client, alice, larry, ready):
    client.force_login(alice)
    client.post(
        f"/cases/{ready.number}/transition",
        {"to_state": "legal_review", "expected_state": "enforcement", "legal_reviewers": "larry"},
    )
    assert CaseMember.objects.filter(case=ready, user=larry).exists()
