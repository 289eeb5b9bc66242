"""Views of a restricted case are audit events, but they do not crowd "Latest activity"."""

from django.urls import reverse

from cases.services import case_comment_add


def test_views_are_one_line_not_the_latest_activity(client, alice, lena, restricted_case, settings):
    settings.QUARRY_CASE_VIEW_COALESCE_SECONDS = 0  # every view an event
    case_comment_add(case=restricted_case, user=alice, body="First lead.")
    for user in (alice, lena, alice):
        client.force_login(user)
        client.get(reverse("cases:detail", args=[restricted_case.number]))
    response = client.get(reverse("cases:detail", args=[restricted_case.number]))
    kinds = [e.kind for e in response.context["recent_events"]]
    assert "case.viewed" not in kinds and "comment.added" in kinds
    assert "Viewed 4 times by 2 people" in response.content.decode()
    assert restricted_case.events.filter(kind="case.viewed").count() == 4
