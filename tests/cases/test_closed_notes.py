"""A closed case is finished: it takes no more notes until a lead reopens it."""

import pytest

from cases.models import CaseEvent, Comment
from cases.services import case_comment_add
from core.errors import DomainError
from tests.helpers import force_state


def test_a_closed_case_refuses_a_note(alice, case):
    force_state(case, "closed")
    with pytest.raises(DomainError, match="closed case takes no notes") as refused:
        case_comment_add(case=case, user=alice, body="One more thing")
    assert refused.value.field == "body"
    assert not Comment.objects.filter(case=case).exists()
    assert not CaseEvent.objects.filter(case=case, kind="comment.added").exists()


def test_the_page_says_so(client, alice, case):
    force_state(case, "closed")
    client.force_login(alice)
    response = client.post(f"/cases/{case.number}/comments", {"body": "late"}, follow=True)
    assert "closed case takes no notes" in response.content.decode()
    assert not Comment.objects.filter(case=case).exists()


def test_an_open_case_takes_a_note(alice, case):
    case_comment_add(case=case, user=alice, body="Seen the payment records")
    assert Comment.objects.filter(case=case).count() == 1
