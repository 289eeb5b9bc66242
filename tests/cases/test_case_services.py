import pytest

from cases.models import CaseMember
from cases.services import (
    case_assign,
    case_create,
    case_member_add,
    case_restrict,
    case_update,
)
from core.errors import DomainError, PermissionDenied


def test_numbers_are_sequential_per_year_and_formatted(alice):
    first = case_create(title="One", created_by=alice)
    second = case_create(title="Two", created_by=alice)
    year, n1 = first.number.split("-")[1:]
    assert first.number.startswith(f"QRY-{first.created_at.year}-") and len(n1) == 5
    assert int(second.number.split("-")[2]) == int(n1) + 1 and year.isdigit()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "   "),
        ("title", "x" * 301),
        ("severity", "apocalyptic"),
        ("actor_confidence", 101),
        ("tags", ["t" * 51]),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(alice, case, field, value):
    before = case.events.count()
    with pytest.raises(DomainError) as info:
        case_update(case=case, user=alice, **{field: value})
    assert info.value.field == field and info.value.status == 400
    assert case.events.count() == before


def test_update_records_only_what_changed(alice, case):
    case_update(case=case, user=alice, severity="critical", title=case.title, tags=["B", "a "])
    event = case.events.last()
    assert event.kind == "case.updated"
    assert event.data["severity"] == {"from": "medium", "to": "critical"}
    assert event.data["tags"] == {"from": [], "to": ["a", "b"]}
    # The rest is the SLA clocks following the severity (tests/cases/test_case_edit.py).
    assert set(event.data) == {"severity", "tags", "triage_due_at", "resolve_due_at"}


def test_assigning_is_a_leads_and_makes_the_assignee_a_member(lena, alice, oscar, case):
    with pytest.raises(PermissionDenied):
        case_assign(case=case, user=alice, assignee=oscar)
    case_assign(case=case, user=lena, assignee=oscar)
    assert CaseMember.objects.filter(case=case, user=oscar).exists()
    assert case.events.last().data == {"from": None, "to": "oscar"}


def test_restricting_keeps_the_lead_in_and_is_audited(lena, alice, case):
    with pytest.raises(PermissionDenied):
        case_restrict(case=case, user=alice, restricted=True)
    case_restrict(case=case, user=lena, restricted=True)
    case.refresh_from_db()
    assert case.restricted and CaseMember.objects.filter(case=case, user=lena).exists()
    assert case.events.last().kind == "case.restricted"


def test_adding_a_member_twice_records_it_once(lena, oscar, case):
    case_member_add(case=case, user=lena, member=oscar)
    case_member_add(case=case, user=lena, member=oscar)
    assert case.events.filter(kind="case.member_added").count() == 1


def test_editing_needs_the_investigator_or_lead_role(larry, case):
    with pytest.raises(PermissionDenied):
        case_update(case=case, user=larry, severity="critical")
    case.refresh_from_db()
    assert case.severity == "medium"
