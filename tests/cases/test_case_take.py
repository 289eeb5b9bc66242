"""Taking a case: POST /api/v1/cases/{number}/take and the page's Take button."""

import pytest

from cases.services import case_assign, case_take
from core.errors import DomainError, PermissionDenied


def test_an_investigator_takes_an_unassigned_case(client, alice, case):
    client.force_login(alice)
    response = client.post(f"/api/v1/cases/{case.number}/take")
    assert response.status_code == 200 and response.json()["assignee"] == "alice"
    event = case.events.last()
    assert event.kind == "case.assigned" and event.data == {
        "from": None,
        "to": "alice",
        "taken": True,
    }


def test_taking_ones_own_case_again_changes_nothing(alice, case):
    case_take(case=case, user=alice)
    before = case.events.count()
    case_take(case=case, user=alice)
    assert case.events.count() == before


def test_a_case_someone_else_has_cannot_be_taken(alice, oscar, case):
    case_take(case=case, user=alice)
    with pytest.raises(DomainError) as info:
        case_take(case=case, user=oscar)
    assert info.value.status == 409
    case.refresh_from_db()
    assert case.assignee == alice


def test_a_lead_still_reassigns(alice, oscar, lena, case):
    case_take(case=case, user=alice)
    case_assign(case=case, user=lena, assignee=oscar)
    case.refresh_from_db()
    assert case.assignee == oscar


def test_legal_cannot_take(larry, case):
    with pytest.raises(PermissionDenied):
        case_take(case=case, user=larry)


def test_the_take_button(client, alice, case):
    client.force_login(alice)
    assert "Take this case" in client.get(f"/cases/{case.number}/").content.decode()
    client.post(f"/cases/{case.number}/take")
    case.refresh_from_db()
    assert case.assignee == alice
    assert "Take this case" not in client.get(f"/cases/{case.number}/").content.decode()
