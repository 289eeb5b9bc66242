"""A case's tasks: /api/v1/cases/{number}/tasks, templates, the legal-review guard, My tasks."""

import pytest

from cases.case_tasks import task_add, task_update, tasks_template_apply
from cases.models import TaskStatus
from cases.services import case_transition
from core.errors import DomainError, PermissionDenied
from tests.helpers import add_evidence, force_state


def _tasks(client, case):
    return client.get(f"/api/v1/cases/{case.number}/tasks").json()


def test_add_a_task_list_it_in_order(client, alice, case):
    client.force_login(alice)
    for title in ("Pull payment records", "Notify partner labs"):
        response = client.post(
            f"/api/v1/cases/{case.number}/tasks",
            {"title": title, "assignee": "alice", "due_date": "2026-12-24"},
            content_type="application/json",
        )
        assert response.status_code == 201, response.content
    tasks = _tasks(client, case)
    assert [t["title"] for t in tasks] == ["Pull payment records", "Notify partner labs"]
    assert [t["position"] for t in tasks] == [1, 2]
    assert tasks[0]["assignee"] == "alice" and tasks[0]["due_date"] == "2026-12-24"
    event = case.events.filter(kind="task.added").first()
    assert event.data["title"] == "Pull payment records" and event.data["assignee"] == "alice"


def test_a_template_on_demand_adds_only_what_is_missing(client, alice, case):
    client.force_login(alice)
    task_add(case=case, user=alice, title="Request enforcement")
    response = client.post(
        f"/api/v1/cases/{case.number}/tasks",
        {"template": "distillation"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert [t["title"] for t in response.json()] == [
        "Pull payment records",
        "Collect prompt samples",
        "Notify partner labs",
    ]
    assert len(_tasks(client, case)) == 4
    assert tasks_template_apply(case=case, user=alice, template="distillation") == []


def test_patch_marks_done_and_records_old_and_new(client, alice, case):
    task = task_add(case=case, user=alice, title="Collect prompt samples")
    client.force_login(alice)
    response = client.patch(
        f"/api/v1/cases/{case.number}/tasks/{task.pk}",
        {"done": True, "title": "Collect 100 prompt samples"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["done"] is True
    event = case.events.last()
    assert event.kind == "task.updated"
    assert event.data["changes"]["status"] == {"from": "open", "to": "done"}
    assert event.data["changes"]["title"]["to"] == "Collect 100 prompt samples"


def test_skipping_needs_a_reason(alice, case):
    task = task_add(case=case, user=alice, title="Notify partner labs")
    with pytest.raises(DomainError) as info:
        task_update(case=case, user=alice, task_id=task.pk, status=TaskStatus.SKIPPED)
    assert info.value.field == "skip_reason"
    task.refresh_from_db()
    assert task.status == "open"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"status": "later"}, "status"),
        ({"assignee": "nobody-here"}, "assignee"),
        ({"due_date": "tomorrow"}, "due_date"),
        ({"position": 0}, "position"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_patch_bad_input_names_the_field(client, alice, case, body, field):
    task = task_add(case=case, user=alice, title="Task")
    client.force_login(alice)
    before = case.events.count()
    response = client.patch(
        f"/api/v1/cases/{case.number}/tasks/{task.pk}", body, content_type="application/json"
    )
    assert response.status_code == 400 and field in str(response.json())
    assert case.events.count() == before


def test_a_task_of_another_case_is_not_found(client, alice, case):
    from tests.factories import make_case

    other = make_case(created_by=alice)
    task = task_add(case=other, user=alice, title="Elsewhere")
    client.force_login(alice)
    response = client.patch(
        f"/api/v1/cases/{case.number}/tasks/{task.pk}", {"done": True}, "application/json"
    )
    assert response.status_code == 404


def test_legal_cannot_change_tasks(larry, alice, case):
    with pytest.raises(PermissionDenied):
        task_add(case=case, user=larry, title="No")


def test_legal_review_needs_every_task_done_or_skipped(alice, case):
    add_evidence(case, alice)
    force_state(case, "enforcement")
    first = task_add(case=case, user=alice, title="Request enforcement")
    second = task_add(case=case, user=alice, title="Notify partner labs")
    task_update(case=case, user=alice, task_id=first.pk, status=TaskStatus.DONE)
    with pytest.raises(DomainError) as info:
        case_transition(case=case, user=alice, to_state="legal_review")
    assert "Notify partner labs" in info.value.message
    task_update(
        case=case,
        user=alice,
        task_id=second.pk,
        status=TaskStatus.SKIPPED,
        skip_reason="Partner asked not to be told",
    )
    assert case_transition(case=case, user=alice, to_state="legal_review").state == "legal_review"


def test_the_guard_is_an_option(alice, case, settings):
    settings.QUARRY_LEGAL_REVIEW_NEEDS_TASKS_DONE = False
    add_evidence(case, alice)
    force_state(case, "enforcement")
    task_add(case=case, user=alice, title="Open task")
    assert case_transition(case=case, user=alice, to_state="legal_review").state == "legal_review"


def test_my_tasks_on_the_dashboard(client, alice, oscar, case):
    task_add(case=case, user=alice, title="Pull payment records", assignee=alice)
    task_add(case=case, user=alice, title="Someone else's", assignee=oscar)
    client.force_login(alice)
    page = client.get("/").content.decode()
    assert "My tasks" in page and "Pull payment records" in page
    assert "Someone else&#x27;s" not in page and "Someone else's" not in page


def test_the_tasks_tab_adds_and_completes(client, alice, case):
    client.force_login(alice)
    client.post(f"/cases/{case.number}/tasks", {"template": "distillation"})
    task = case.tasks.get(title="Pull payment records")
    client.post(
        f"/cases/{case.number}/tasks/{task.pk}", {"status": "done", "fields_sent": "status"}
    )
    task.refresh_from_db()
    assert task.status == "done"
    page = client.get(f"/cases/{case.number}/?tab=tasks").content.decode()
    assert "Notify partner labs" in page and 'data-status="done"' in page
