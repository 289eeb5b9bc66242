"""An outsider gets the same 404 on a restricted case through every path that exists."""

import pytest
from django.urls import reverse

from cases.selectors import cases_visible_to
from tests.helpers import add_evidence


@pytest.fixture
def paths(restricted_case, alice):
    item = add_evidence(restricted_case, alice)
    n = restricted_case.number
    return [
        ("get", reverse("cases:detail", args=[n]), {}),
        (
            "post",
            reverse("cases:transition", args=[n]),
            {"to_state": "triage", "expected_state": "new"},
        ),
        ("post", reverse("cases:comment", args=[n]), {"body": "hello"}),
        ("post", reverse("cases:evidence_upload", args=[n]), {}),
        ("get", reverse("cases:evidence_download", args=[n, item.pk]), {}),
        ("get", f"/api/v1/cases/{n}", {}),
        ("get", f"/api/v1/cases/{n}/events", {}),
        ("post", f"/api/v1/cases/{n}/transitions", {"to_state": "triage"}),
    ]


def test_outsider_gets_404_on_every_path(client, oscar, restricted_case, paths):
    client.force_login(oscar)
    before = restricted_case.events.count()
    for method, url, data in paths:
        response = getattr(client, method)(url, data)
        assert response.status_code == 404, (method, url, response.status_code)
    restricted_case.refresh_from_db()
    assert restricted_case.state == "new"
    assert restricted_case.events.count() == before


def test_outsider_does_not_see_it_in_lists(client, oscar, restricted_case, case):
    client.force_login(oscar)
    assert restricted_case.number not in client.get(reverse("cases:queue")).content.decode()
    numbers = [c["number"] for c in client.get("/api/v1/cases").json()["results"]]
    assert case.number in numbers and restricted_case.number not in numbers
    assert not cases_visible_to(oscar).filter(pk=restricted_case.pk).exists()


def test_a_member_sees_it_and_the_view_is_on_the_audit_trail(client, alice, restricted_case):
    client.force_login(alice)
    assert client.get(reverse("cases:detail", args=[restricted_case.number])).status_code == 200
    assert restricted_case.events.filter(kind="case.viewed", actor=alice).exists()


def test_anonymous_is_sent_to_sign_in_and_the_api_answers_403(client, case):
    response = client.get(reverse("cases:detail", args=[case.number]))
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert client.get(f"/api/v1/cases/{case.number}").status_code == 403


def test_a_user_without_a_role_sees_no_case(client, case, django_user_model):
    nobody = django_user_model.objects.create_user("nobody", password="x")
    client.force_login(nobody)
    assert client.get(reverse("cases:detail", args=[case.number])).status_code == 404
