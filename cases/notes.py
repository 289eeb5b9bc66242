"""A note's author may correct it. The correction is a new version: the text it replaces is
kept (CommentVersion) and shown as the note's history, and the audit event holds both texts."""

from django.db import transaction
from django.utils import timezone

from core.errors import DomainError, PermissionDenied

from .audit import event_append
from .models import Case, Comment, CommentVersion
from .services import case_lock_for_change

MAX_NOTE = 50_000


@transaction.atomic
def comment_edit(*, case: Case, user, comment_id: int, body: str) -> Comment:
    body = (body or "").strip()
    if not body:
        raise DomainError("A note cannot be empty.", field="body", status=400)
    if len(body) > MAX_NOTE:
        raise DomainError("A note is at most 50,000 characters.", field="body", status=400)
    locked = case_lock_for_change(case=case, user=user, roles=None)
    comment = Comment.objects.select_for_update().filter(case=locked, pk=comment_id).first()
    if comment is None:
        raise DomainError("No such note on this case.", field="comment", status=404)
    if comment.author_id != user.pk:
        raise PermissionDenied("Only its author may edit a note.", field="body")
    if comment.body == body:
        return comment
    now = timezone.now()
    version = comment.versions.count() + 1
    CommentVersion.objects.create(
        comment=comment,
        version=version,
        body=comment.body,
        written_at=comment.edited_at or comment.created_at,
        replaced_at=now,
    )
    previous = comment.body
    comment.body = body
    comment.edited_at = now
    comment.save(update_fields=["body", "edited_at"])
    event_append(
        case=locked,
        kind="comment.edited",
        actor=user,
        data={
            "comment_id": comment.pk,
            "version": version + 1,
            "previous_body": previous,
            "body": body,
        },
    )
    return comment
