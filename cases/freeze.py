"""A frozen case (from legal review on, or under legal hold) is what legal reviews and what is
referred: routing must not change it. Routing asks here, inside its own transaction, what to do
with signals it found for such a case: hold them on the case as pending, for an investigator or
lead to accept or reject, or (by setting) attach them to a follow-up case linked to it.

Accepting attaches the signal and links its accounts. Signals and account links belong to
higher apps, so the case aggregate announces the decision (`pending_signals_accepted`) and the
detection app's receiver (detection/case_signals.py) does the attaching, in the same
transaction and under the same lock."""

import django.dispatch
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from core.errors import DomainError
from core.roles import WORK_ROLES

from .audit import event_append
from .models import FROZEN_STATES, OPEN_STATES, Case, CaseMember, PendingSignal, PendingStatus
from .services import case_create, case_lock_for_change

# Sent with case= (locked), user=, signal_ids=; each receiver returns a dict merged into the
# audit event (e.g. {"accounts_linked": [...]}).
pending_signals_accepted = django.dispatch.Signal()

FOLLOW_UP_TAG = "follow-up"
FROZEN = Q(state__in=FROZEN_STATES) | Q(legal_hold=True, state__in=OPEN_STATES)


def _frozen_locked(case_ids: list[int]) -> list[Case]:
    """The frozen ones among these cases. Every change of state or hold locks the case row
    FOR UPDATE, so this lock (the weakest that conflicts with it, in id order) makes routing
    wait for a move into legal review and then see the new state, instead of attaching to a
    case that froze a moment ago. Plain updates of the row (the search trigger's) pass."""
    if not case_ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM cases_case WHERE id = ANY(%s) ORDER BY id FOR KEY SHARE",
            [sorted(case_ids)],
        )
    return list(Case.objects.filter(FROZEN, pk__in=case_ids).order_by("pk"))


def _follow_up(frozen: Case) -> Case:
    """The open, unfrozen follow-up case of a frozen case; opened now if there is none."""
    existing = (
        Case.objects.filter(follow_up_of=frozen, state__in=OPEN_STATES)
        .exclude(FROZEN)
        .order_by("created_at", "pk")
        .first()
    )
    if existing is not None:
        return existing
    case = case_create(
        title=f"Follow-up of {frozen.number}: {frozen.title}"[:300],
        summary=(
            f"Opened by routing for signals about the accounts of {frozen.number}, which is "
            "frozen (legal review, referral or legal hold) and must not change."
        ),
        severity=frozen.severity,
        tags=[FOLLOW_UP_TAG],
        suspected_actor=frozen.suspected_actor,
        actor_confidence=frozen.actor_confidence,
        restricted=frozen.restricted,
        origin="follow-up",
        follow_up_of=frozen,
    )
    # Who may see the frozen case may see its follow-up.
    CaseMember.objects.bulk_create(
        [CaseMember(case=case, user_id=m.user_id) for m in frozen.memberships.all()],
        ignore_conflicts=True,
    )
    event_append(
        case=frozen,
        kind="case.follow_up_opened",
        actor="routing",
        data={"follow_up": case.number},
    )
    return case


def cases_frozen_divert(
    *, signals_by_case: dict[int, list[tuple[int, str]]]
) -> dict[int, int | None]:
    """Called by routing inside its transaction with the signals (id, external id) it is about
    to attach, by case. Returns, for each frozen case among them, None when its signals are now
    held as pending on it (routing marks them routed and attaches nothing), or the id of the
    follow-up case that takes them instead. Cases not in the answer are not frozen."""
    assert connection.in_atomic_block, "cases_frozen_divert must run inside routing's transaction"
    answer: dict[int, int | None] = {}
    for case in _frozen_locked(list(signals_by_case)):
        signals = signals_by_case[case.pk]
        if settings.QUARRY_FROZEN_SIGNALS == "follow_up":
            answer[case.pk] = _follow_up(case).pk
            continue
        now = timezone.now()
        held = PendingSignal.objects.bulk_create(
            [PendingSignal(case=case, signal_id=sid, held_at=now) for sid, _ in signals],
            ignore_conflicts=True,
        )
        event_append(
            case=case,
            kind="signals.held",
            actor="routing",
            data={
                "reason": "case is frozen",
                "count": len(held),
                "signals": sorted(ext for _, ext in signals),
                "signal_ids": sorted(sid for sid, _ in signals),
            },
        )
        answer[case.pk] = None
    return answer


def pending_count(case: Case) -> int:
    return case.pending_signals.filter(status=PendingStatus.PENDING).count()


@transaction.atomic
def pending_signals_decide(
    *, case: Case, user, pending_ids: list[int] | None, accept: bool, reason: str = ""
) -> list[PendingSignal]:
    """Accept (attach to the case, link the accounts) or reject held signals; all pending ones
    when `pending_ids` is None. Deciding is a person's choice to change a frozen case, so it is
    allowed in every open state."""
    locked = case_lock_for_change(
        case=case,
        user=user,
        roles=WORK_ROLES,
        refusal="Deciding on pending signals needs the investigator or lead role.",
    )
    rows = PendingSignal.objects.select_for_update().filter(
        case=locked, status=PendingStatus.PENDING
    )
    if pending_ids is not None:
        rows = rows.filter(pk__in=pending_ids)
    rows = list(rows.order_by("pk"))
    if not rows:
        raise DomainError("No pending signals to decide on.", field="pending", status=400)
    now = timezone.now()
    status = PendingStatus.ACCEPTED if accept else PendingStatus.REJECTED
    PendingSignal.objects.filter(pk__in=[r.pk for r in rows]).update(
        status=status, decided_by=user, decided_at=now, reason=(reason or "").strip()
    )
    signal_ids = [r.signal_id for r in rows]
    data = {"count": len(rows), "signal_ids": signal_ids, "reason": (reason or "").strip()}
    if accept:
        for _, extra in pending_signals_accepted.send(
            sender=Case, case=locked, user=user, signal_ids=signal_ids
        ):
            data.update(extra or {})
    event_append(
        case=locked,
        kind="signals.accepted" if accept else "signals.rejected",
        actor=user,
        data=data,
    )
    return list(
        PendingSignal.objects.filter(pk__in=[r.pk for r in rows])
        .select_related("decided_by")
        .order_by("pk")
    )
