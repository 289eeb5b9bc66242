"""A lead merges a duplicate into the case that survives. What the duplicate held moves to the
survivor; nothing is deleted, no audit event is rewritten, and both chains record the merge with
what moved. The duplicate then closes as `duplicate` of the survivor.

The case aggregate moves its own rows (notes, pending signals, open tasks). Account links, signals and
evidence belong to higher apps: the merge announces itself (`case_merging`) inside its
transaction, with both rows locked, and each app's receiver moves its rows and says what moved."""

import django.dispatch
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from core.errors import DomainError
from core.roles import LEAD_ONLY

from .audit import event_append
from .models import (
    Case,
    CaseTask,
    Comment,
    PendingSignal,
    PendingStatus,
    Resolution,
    State,
    TaskStatus,
)
from .selectors import cases_visible_to
from .services import case_lock_for_change, case_transition

# Sent with merged=, survivor= (both locked), user=; each receiver returns a dict of what it
# moved, which goes into both audit events.
case_merging = django.dispatch.Signal()


def _checks(user, merged: Case, survivor: Case) -> None:
    if merged.pk == survivor.pk:
        raise DomainError("A case cannot be merged into itself.", field="into", status=400)
    if cases_visible_to(user).filter(pk__in=[merged.pk, survivor.pk]).count() != 2:
        # The same answer as for a case that does not exist: need-to-know.
        raise DomainError("No such case.", field="into", status=404)
    if not survivor.is_open:
        raise DomainError(f"{survivor.number} is closed; merge into an open case.", field="into")
    if not merged.is_open:
        raise DomainError(f"{merged.number} is closed already.", field="case")
    for case in (merged, survivor):
        if case.legal_hold:
            raise DomainError(
                f"{case.number} is under legal hold; what it holds cannot move.",
                field="into" if case is survivor else "case",
            )


def _open_tasks_move(merged: Case, survivor: Case) -> list[dict]:
    """The duplicate's open tasks join the end of the survivor's list, in their order. Done and
    skipped tasks stay: they record work done on the duplicate, not work left to do."""
    tasks = list(
        CaseTask.objects.filter(case=merged, status=TaskStatus.OPEN).order_by("position", "pk")
    )
    start = (survivor.tasks.aggregate(m=Max("position"))["m"] or 0) + 1
    now = timezone.now()
    for i, task in enumerate(tasks):
        task.case, task.position, task.updated_at = survivor, start + i, now
    CaseTask.objects.bulk_update(tasks, ["case", "position", "updated_at"])
    return [{"task_id": t.pk, "title": t.title} for t in tasks]


@transaction.atomic
def case_merge(*, case: Case, user, into: Case) -> Case:
    """Merge `case` into `into`; returns the surviving case."""
    # Both rows locked through the gate, in id order, so that two merges of one pair cannot
    # deadlock; whether each is open is checked below, naming the field at fault.
    locked = {
        c.pk: case_lock_for_change(
            case=c,
            user=user,
            roles=LEAD_ONLY,
            refusal="Merging cases needs the lead role.",
            closed=None,
        )
        for c in sorted([case, into], key=lambda c: c.pk)
    }
    merged, survivor = locked[case.pk], locked[into.pk]
    _checks(user, merged, survivor)

    moved: dict = {}
    for _, response in case_merging.send(sender=Case, merged=merged, survivor=survivor, user=user):
        moved.update(response or {})
    notes = list(Comment.objects.filter(case=merged).order_by("pk").values_list("pk", flat=True))
    Comment.objects.filter(pk__in=notes).update(case=survivor)
    moved["note_ids"] = notes
    pending = PendingSignal.objects.filter(case=merged, status=PendingStatus.PENDING)
    moved["pending_signals"] = pending.update(case=survivor)
    moved["tasks"] = _open_tasks_move(merged, survivor)

    event_append(
        case=merged,
        kind="case.merged_into",
        actor=user,
        data={"into": survivor.number, **moved},
    )
    event_append(
        case=survivor,
        kind="case.merged_from",
        actor=user,
        data={"from": merged.number, **moved},
    )
    case_transition(
        case=merged,
        user=user,
        to_state=State.CLOSED,
        reason=f"Merged into {survivor.number}.",
        resolution=Resolution.DUPLICATE,
        closing_summary=f"Duplicate of {survivor.number}; merged into it.",
        duplicate_of=survivor,
    )
    survivor.refresh_from_db()
    return survivor
