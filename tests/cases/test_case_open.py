"""A case opened by hand (cases/intake.py, accounts/intake.py), by service, API and page."""

import pytest

from accounts.models import CaseAccount
from cases.intake import case_open
from cases.models import Case
from core.errors import DomainError, PermissionDenied
from tests.factories import AccountFactory


def test_an_investigator_opens_a_case_in_new_audited_as_theirs(alice):
    case = case_open(user=alice, title="Tip from a partner lab", severity="high")
    assert case.state == "new" and case.created_by == alice
    event = case.events.get(seq=1)
    assert event.kind == "case.created" and event.actor == alice
    assert event.data["origin"] == "manual"


def test_legal_cannot_open_a_case(larry):
    with pytest.raises(PermissionDenied):
        case_open(user=larry, title="Tip")
    assert not Case.objects.exists()


def test_only_a_lead_opens_it_restricted(alice, lena):
    with pytest.raises(PermissionDenied):
        case_open(user=alice, title="Tip", restricted=True)
    assert case_open(user=lena, title="Tip", restricted=True).restricted


def test_a_template_gives_the_new_case_its_tasks(alice):
    case = case_open(user=alice, title="Campaign", task_template="distillation")
    assert list(case.tasks.values_list("title", flat=True)) == [
        "Pull payment records",
        "Request enforcement",
        "Collect prompt samples",
        "Notify partner labs",
    ]
    assert case.events.filter(kind="tasks.template_applied").exists()


def test_api_creates_with_accounts_by_external_id(client, alice):
    AccountFactory(external_id="acct-1")
    AccountFactory(external_id="acct-2")
    client.force_login(alice)
    response = client.post(
        "/api/v1/cases",
        {
            "title": "Government contact",
            "summary": "Named two accounts",
            "severity": "critical",
            "suspected_actor": "Northwind AI",
            "actor_confidence": 60,
            "tags": ["Partner"],
            "accounts": ["acct-1", "acct-2"],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "new" and body["severity"] == "critical"
    assert body["suspected_actor"] == "Northwind AI" and body["tags"] == ["partner"]
    case = Case.objects.get(number=body["number"])
    assert set(
        CaseAccount.objects.filter(case=case).values_list("account__external_id", flat=True)
    ) == {"acct-1", "acct-2"}
    assert case.events.filter(kind="accounts.added").exists()


def test_api_an_unknown_account_refuses_and_creates_nothing(client, alice):
    client.force_login(alice)
    response = client.post(
        "/api/v1/cases",
        {"title": "Tip", "accounts": ["nope"]},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["field"] == "accounts"
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x", "severity": "urgent"}, "severity"),
        ({"title": "x", "actor_confidence": 101}, "actor_confidence"),
        ({"title": "x", "colour": "red"}, "colour"),
        ({"title": "x", "task_template": "nope"}, "task_template"),
    ],
)
def test_api_bad_input_names_the_field(client, alice, body, field):
    client.force_login(alice)
    response = client.post("/api/v1/cases", body, content_type="application/json")
    assert response.status_code == 400
    assert field in str(response.json())
    assert not Case.objects.exists()


def test_api_legal_is_refused(client, larry):
    client.force_login(larry)
    response = client.post("/api/v1/cases", {"title": "Tip"}, content_type="application/json")
    assert response.status_code == 403 and not Case.objects.exists()


def test_page_opens_a_case_and_shows_it(client, alice):
    AccountFactory(external_id="acct-9")
    client.force_login(alice)
    assert client.get("/cases/new/").status_code == 200
    response = client.post(
        "/cases/new/",
        {"title": "Staff report", "severity": "low", "accounts": "acct-9", "tags": "a, b"},
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{case.number}/")
    assert case.case_accounts.count() == 1 and case.tags == ["a", "b"]


def test_page_shows_the_refusal_on_the_form(client, alice):
    client.force_login(alice)
    response = client.post("/cases/new/", {"title": "Tip", "severity": "low", "accounts": "x"})
    assert response.status_code == 400
    assert "No account with external id" in response.content.decode()
    assert not Case.objects.exists()


def test_service_refuses_an_overlong_actor(alice):
    with pytest.raises(DomainError) as info:
        case_open(user=alice, title="Tip", suspected_actor="x" * 201)
    assert info.value.field == "suspected_actor"
