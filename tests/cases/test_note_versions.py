"""A note's author corrects it; the old text stays as history (cases/notes.py)."""

import pytest
from django.db import DatabaseError, transaction

from cases.models import CommentVersion
from cases.notes import comment_edit
from cases.services import case_comment_add
from core.errors import DomainError, PermissionDenied


@pytest.fixture
def note(case, alice):
    return case_comment_add(case=case, user=alice, body="Card ends 4242")


def test_the_author_edits_and_the_old_text_is_kept(alice, case, note):
    comment_edit(case=case, user=alice, comment_id=note.pk, body="Card ends 4343")
    note.refresh_from_db()
    assert note.body == "Card ends 4343" and note.edited_at is not None
    assert list(note.versions.values_list("version", "body")) == [(1, "Card ends 4242")]
    event = case.events.last()
    assert event.kind == "comment.edited"
    assert (
        event.data["previous_body"] == "Card ends 4242" and event.data["body"] == "Card ends 4343"
    )
    assert case.events.filter(kind="comment.added", data__body="Card ends 4242").exists()


def test_someone_else_cannot_edit(oscar, case, note):
    with pytest.raises(PermissionDenied):
        comment_edit(case=case, user=oscar, comment_id=note.pk, body="Mine now")
    note.refresh_from_db()
    assert note.body == "Card ends 4242"


def test_an_empty_correction_is_refused(alice, case, note):
    with pytest.raises(DomainError) as info:
        comment_edit(case=case, user=alice, comment_id=note.pk, body="  ")
    assert info.value.field == "body"


def test_history_cannot_be_rewritten_in_the_database(alice, case, note):
    comment_edit(case=case, user=alice, comment_id=note.pk, body="Second")
    with pytest.raises(DatabaseError), transaction.atomic():
        CommentVersion.objects.filter(comment=note).update(body="forged")


def test_api_lists_history_and_patches(client, alice, case, note):
    client.force_login(alice)
    response = client.patch(
        f"/api/v1/cases/{case.number}/notes/{note.pk}",
        {"body": "Second"},
        content_type="application/json",
    )
    assert response.status_code == 200
    notes = client.get(f"/api/v1/cases/{case.number}/notes").json()
    assert notes[0]["body"] == "Second" and notes[0]["history"][0]["body"] == "Card ends 4242"


def test_api_someone_else_gets_403(client, oscar, case, note):
    client.force_login(oscar)
    response = client.patch(
        f"/api/v1/cases/{case.number}/notes/{note.pk}", {"body": "x"}, "application/json"
    )
    assert response.status_code == 403


def test_the_page_shows_history(client, alice, case, note):
    client.force_login(alice)
    assert (
        "Card ends 4242" in client.get(f"/cases/{case.number}/comments/{note.pk}").content.decode()
    )
    client.post(f"/cases/{case.number}/comments/{note.pk}", {"body": "Card ends 4343"})
    page = client.get(f"/cases/{case.number}/?tab=notes").content.decode()
    assert "Card ends 4343" in page and "History (1 earlier version)" in page
