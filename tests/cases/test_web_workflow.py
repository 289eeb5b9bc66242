from django.urls import reverse


def test_a_case_moves_through_the_web_form_and_the_timeline_grows(client, alice, case):
    client.force_login(alice)
    url = reverse("cases:transition", args=[case.number])
    response = client.post(
        url, {"to_state": "triage", "expected_state": "new", "reason": "<script>alert(1)</script>"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "triage"
    page = client.get(
        reverse("cases:detail", args=[case.number]) + "?tab=timeline"
    ).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)</script>" not in page
    assert "Audit chain verifies" in page


def test_a_refused_move_says_why_and_changes_nothing(client, alice, case):
    client.force_login(alice)
    client.post(
        reverse("cases:transition", args=[case.number]),
        {"to_state": "closed", "expected_state": "new"},
        follow=True,
    )
    case.refresh_from_db()
    assert case.state == "new"


def test_api_transition_errors_name_the_field(client, lena, case):
    client.force_login(lena)
    response = client.post(
        f"/api/v1/cases/{case.number}/transitions",
        {"to_state": "closed", "resolution": "benign"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["field"] == "closing_summary"
    response = client.post(
        f"/api/v1/cases/{case.number}/transitions",
        {"to_state": "nowhere"},
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["field"] == "to_state"
