"""A lead merges a duplicate into the surviving case (cases/merge.py)."""

import pytest

from accounts.models import CaseAccount
from cases.audit import chain_verify
from cases.case_tasks import task_add, task_update
from cases.merge import case_merge
from cases.services import case_comment_add
from core.errors import DomainError, PermissionDenied
from detection.models import Signal
from evidence.models import Evidence
from evidence.selectors import evidence_of_case
from tests.factories import AccountFactory, SignalFactory, make_case
from tests.helpers import add_evidence, force_state


@pytest.fixture
def duplicate(alice):
    return make_case(created_by=alice, title="Same campaign, second case")


@pytest.fixture
def held(duplicate, alice):
    """What the duplicate holds: two accounts (one the survivor has too), a signal, evidence,
    a note."""
    shared = AccountFactory(external_id="acct-shared")
    only = AccountFactory(external_id="acct-only")
    for account in (shared, only):
        CaseAccount.objects.create(case=duplicate, account=account)
    return {
        "shared": shared,
        "signal": SignalFactory(case=duplicate),
        "evidence": add_evidence(duplicate, alice, b"payment records\n", "payments.csv"),
        "note": case_comment_add(case=duplicate, user=alice, body="Same card as the other case"),
    }


def test_the_survivor_serves_the_moved_evidence(client, lena, case, duplicate, held):
    case_merge(case=duplicate, user=lena, into=case)
    client.force_login(lena)
    page = client.get(f"/cases/{case.number}/?tab=evidence").content.decode()
    assert "payments.csv" in page
    url = f"/cases/{case.number}/evidence/{held['evidence'].pk}/download"
    assert client.get(url).status_code == 200
    # Downloaded through the survivor: on the survivor's audit trail.
    assert case.events.filter(kind="evidence.downloaded").exists()


def test_what_the_duplicate_held_moves_to_the_survivor(lena, case, duplicate, held):
    CaseAccount.objects.create(case=case, account=held["shared"])
    survivor = case_merge(case=duplicate, user=lena, into=case)
    assert survivor.pk == case.pk
    accounts = set(
        CaseAccount.objects.filter(case=case).values_list("account__external_id", flat=True)
    )
    assert accounts == {"acct-shared", "acct-only"}
    assert Signal.objects.get(pk=held["signal"].pk).case_id == case.pk
    # Evidence is immutable: it stays where it was collected and is linked to the survivor.
    assert evidence_of_case(case).filter(pk=held["evidence"].pk).exists()
    assert case.comments.filter(pk=held["note"].pk).exists()


def test_open_tasks_join_the_end_of_the_survivors_list(alice, lena, case, duplicate):
    kept = task_add(case=case, user=alice, title="Pull payment records")
    first = task_add(case=duplicate, user=alice, title="Notify partner labs", assignee=alice)
    done = task_add(case=duplicate, user=alice, title="Collect prompt samples")
    second = task_add(case=duplicate, user=alice, title="Request enforcement")
    task_update(case=duplicate, user=alice, task_id=done.pk, status="done")

    case_merge(case=duplicate, user=lena, into=case)

    assert list(case.tasks.values_list("pk", flat=True)) == [kept.pk, first.pk, second.pk]
    assert case.tasks.get(pk=first.pk).assignee_id == alice.pk
    # Done work is the duplicate's record and stays with it; nothing is deleted.
    assert list(duplicate.tasks.values_list("pk", flat=True)) == [done.pk]
    moved = [
        {"task_id": first.pk, "title": "Notify partner labs"},
        {"task_id": second.pk, "title": "Request enforcement"},
    ]
    assert duplicate.events.get(kind="case.merged_into").data["tasks"] == moved
    assert case.events.get(kind="case.merged_from").data["tasks"] == moved
    assert chain_verify(case) is None and chain_verify(duplicate) is None


def test_the_duplicate_closes_naming_the_survivor(lena, case, duplicate, held):
    case_merge(case=duplicate, user=lena, into=case)
    duplicate.refresh_from_db()
    assert duplicate.state == "closed" and duplicate.resolution == "duplicate"
    assert duplicate.duplicate_of_id == case.pk


def test_both_chains_record_what_moved(lena, case, duplicate, held):
    case_merge(case=duplicate, user=lena, into=case)
    into = duplicate.events.get(kind="case.merged_into")
    came = case.events.get(kind="case.merged_from")
    assert into.data["into"] == case.number and came.data["from"] == duplicate.number
    for data in (into.data, came.data):
        assert data["accounts"] == ["acct-only", "acct-shared"]
        assert data["signals"] == 1
        assert data["evidence"][0]["sha256"] == held["evidence"].sha256
        assert data["note_ids"] == [held["note"].pk]
    assert chain_verify(case) is None and chain_verify(duplicate) is None


def test_nothing_is_deleted_and_no_event_rewritten(lena, case, duplicate, held):
    events_before = list(duplicate.events.values_list("seq", "hash"))
    case_merge(case=duplicate, user=lena, into=case)
    assert list(duplicate.events.values_list("seq", "hash"))[: len(events_before)] == events_before
    assert CaseAccount.objects.count() == 2 and Evidence.objects.count() == 1


def test_an_investigator_cannot_merge(alice, case, duplicate):
    with pytest.raises(PermissionDenied):
        case_merge(case=duplicate, user=alice, into=case)


def test_refused_under_legal_hold(lena, case, duplicate):
    duplicate.__class__.objects.filter(pk=duplicate.pk).update(legal_hold=True)
    with pytest.raises(DomainError) as info:
        case_merge(case=duplicate, user=lena, into=case)
    assert "legal hold" in info.value.message
    duplicate.refresh_from_db()
    assert duplicate.state == "new"


def test_refused_into_a_closed_case(lena, case, duplicate):
    force_state(case, "closed")
    with pytest.raises(DomainError) as info:
        case_merge(case=duplicate, user=lena, into=case)
    assert info.value.field == "into"


def test_refused_into_itself(lena, case):
    with pytest.raises(DomainError) as info:
        case_merge(case=case, user=lena, into=case)
    assert info.value.status == 400


def test_api_merge(client, lena, case, duplicate, held):
    client.force_login(lena)
    response = client.post(
        f"/api/v1/cases/{duplicate.number}/merge",
        {"into": case.number},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["number"] == case.number


def test_api_a_restricted_case_the_lead_cannot_see_is_no_such_case(client, alice, case):
    from core.roles import LEAD
    from tests.factories import UserFactory

    lead = UserFactory(username="lou", roles=[LEAD])
    hidden = make_case(created_by=alice, title="Hidden", restricted=True)
    client.force_login(lead)
    response = client.post(
        f"/api/v1/cases/{case.number}/merge", {"into": hidden.number}, "application/json"
    )
    assert response.status_code == 400 and response.json()["errors"]["into"]
    assert (
        client.post(
            f"/api/v1/cases/{hidden.number}/merge", {"into": case.number}, "application/json"
        ).status_code
        == 404
    )
    case.refresh_from_db()
    assert case.state == "new"


def test_api_bad_input(client, lena, case):
    client.force_login(lena)
    response = client.post(f"/api/v1/cases/{case.number}/merge", {}, "application/json")
    assert response.status_code == 400 and response.json()["field"] == "into"


def test_the_merge_form(client, lena, case, duplicate, held):
    client.force_login(lena)
    assert "Merge into another case" in client.get(f"/cases/{duplicate.number}/").content.decode()
    response = client.post(f"/cases/{duplicate.number}/merge", {"into": case.number})
    assert response.status_code == 302 and case.number in response["Location"]
    duplicate.refresh_from_db()
    assert duplicate.resolution == "duplicate"
