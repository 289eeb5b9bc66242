"""Correcting a case: PATCH /api/v1/cases/{number} and the page's form."""

import pytest
from django.conf import settings

from cases.services import case_update


def _patch(client, case, body):
    return client.patch(f"/api/v1/cases/{case.number}", body, content_type="application/json")


def test_patch_changes_the_fields_and_records_old_and_new(client, alice, case):
    client.force_login(alice)
    response = _patch(
        client,
        case,
        {
            "title": "Distillation by Northwind",
            "summary": "25 accounts",
            "suspected_actor": "Northwind AI",
            "actor_confidence": 70,
        },
    )
    assert response.status_code == 200, response.content
    assert response.json()["suspected_actor"] == "Northwind AI"
    event = case.events.last()
    assert event.kind == "case.updated" and event.actor == alice
    assert event.data["title"] == {
        "from": "Distillation via proxy cluster",
        "to": "Distillation by Northwind",
    }
    assert event.data["actor_confidence"] == {"from": None, "to": 70}
    assert event.data["suspected_actor"] == {"from": "", "to": "Northwind AI"}


def test_sla_due_times_follow_a_severity_change(alice, case):
    sla = settings.QUARRY_SLA["critical"]
    updated = case_update(case=case, user=alice, severity="critical")
    assert updated.triage_due_at == case.created_at + sla["triage"]
    assert updated.resolve_due_at == case.created_at + sla["resolve"]
    data = case.events.last().data
    assert data["resolve_due_at"]["to"] == updated.resolve_due_at.isoformat()
    assert data["triage_due_at"]["from"] != data["triage_due_at"]["to"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"severity": "urgent"}, "severity"),
        ({"actor_confidence": -1}, "actor_confidence"),
        ({"title": ""}, "title"),
        ({"state": "closed"}, "state"),
        ({}, "title"),
    ],
)
def test_patch_bad_input_names_the_field_and_changes_nothing(client, alice, case, body, field):
    client.force_login(alice)
    before = case.events.count()
    response = _patch(client, case, body)
    assert response.status_code == 400
    assert field in str(response.json())
    assert case.events.count() == before


def test_legal_cannot_edit(client, larry, case):
    client.force_login(larry)
    assert _patch(client, case, {"title": "New"}).status_code == 403


def test_the_page_form_edits_the_case(client, alice, case):
    client.force_login(alice)
    response = client.post(
        f"/cases/{case.number}/edit",
        {"title": "Better title", "summary": "", "severity": "high", "suspected_actor": "X"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.title == "Better title" and case.severity == "high"
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert "Edit the case" in page and "Better title" in page
