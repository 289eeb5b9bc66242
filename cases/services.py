"""Every change to a case goes through here, and each writes its audit event in the same
transaction. Other apps that change a case (accounts, evidence, exports) pass the same gate,
case_lock_for_change, before they write."""

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from core.errors import DomainError, PermissionDenied
from core.jobs import JobStatus
from core.roles import ALL_ROLES, CONTRIBUTE_ROLES, LEAD_ONLY, LEGAL_ONLY, WORK_ROLES, user_roles

from . import legal_review, workflow
from .audit import event_append
from .models import Case, CaseEvent, CaseMember, Comment, Resolution, Severity, State

User = get_user_model()

MAX_TAGS = 30


def case_number_next(year: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO cases_casenumbercounter (year, last) VALUES (%s, 1) "
            "ON CONFLICT (year) DO UPDATE SET last = cases_casenumbercounter.last + 1 "
            "RETURNING last",
            [year],
        )
        (last,) = cursor.fetchone()
    return f"QRY-{year}-{last:05d}"


def _clean_field(name: str, value):
    """Check one editable field of a case; return it cleaned. Shared by create and update."""
    if name == "title":
        value = (value or "").strip()
        if not value:
            raise DomainError("A case needs a title.", field="title", status=400)
        if len(value) > 300:
            raise DomainError("A title is at most 300 characters.", field="title", status=400)
    elif name == "severity" and value not in Severity.values:
        raise DomainError(f"Unknown severity {value!r}.", field="severity", status=400)
    elif name == "actor_confidence" and value is not None and not 0 <= value <= 100:
        raise DomainError("Actor confidence is 0 to 100.", field="actor_confidence", status=400)
    elif name == "suspected_actor":
        value = (value or "").strip()
        if len(value) > 200:
            raise DomainError(
                "A suspected actor is at most 200 characters.", field="suspected_actor", status=400
            )
    elif name == "summary":
        value = (value or "").strip()
    elif name == "tags":
        value = _clean_tags(value)
    return value


def _clean_tags(tags: list[str] | None) -> list[str]:
    cleaned = sorted({t.strip().lower() for t in (tags or []) if t and t.strip()})
    if len(cleaned) > MAX_TAGS:
        raise DomainError(f"A case takes at most {MAX_TAGS} tags.", field="tags", status=400)
    if any(len(t) > 50 for t in cleaned):
        raise DomainError("A tag is at most 50 characters.", field="tags", status=400)
    return cleaned


@transaction.atomic
def case_create(
    *,
    title: str,
    created_by=None,
    summary: str = "",
    severity: str = Severity.MEDIUM,
    tags: list[str] | None = None,
    suspected_actor: str = "",
    actor_confidence: int | None = None,
    restricted: bool = False,
    origin: str = "manual",
    follow_up_of: Case | None = None,
) -> Case:
    title = _clean_field("title", title)
    _clean_field("severity", severity)
    _clean_field("actor_confidence", actor_confidence)
    now = timezone.now()
    sla = settings.QUARRY_SLA[severity]
    case = Case.objects.create(
        number=case_number_next(now.year),
        title=title,
        summary=summary,
        severity=severity,
        tags=_clean_tags(tags),
        suspected_actor=suspected_actor,
        actor_confidence=actor_confidence,
        restricted=restricted,
        follow_up_of=follow_up_of,
        created_by=created_by,
        created_at=now,
        updated_at=now,
        triage_due_at=now + sla["triage"],
        resolve_due_at=now + sla["resolve"],
    )
    if created_by is not None:
        CaseMember.objects.get_or_create(case=case, user=created_by)
    event_append(
        case=case,
        kind="case.created",
        actor=created_by,
        data={
            "title": case.title,
            "severity": severity,
            "restricted": restricted,
            "origin": origin,
            **({"follow_up_of": follow_up_of.number} if follow_up_of else {}),
        },
    )
    return case


CLOSED_READ_ONLY = "A closed case is read-only; a lead may reopen it."


def roles_phrase(roles: Iterable[str]) -> str:
    """{"lead", "investigator"} -> "investigator or lead" (in the order of ALL_ROLES)."""
    names = [r for r in ALL_ROLES if r in set(roles)]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def case_lock_for_change(
    *,
    case: Case,
    user,
    roles: Iterable[str] | None,
    refusal: str = "",
    field: str | None = None,
    closed: str | None = CLOSED_READ_ONLY,
) -> Case:
    """The gate of every change to a case, from any app: check the role, lock the case row,
    check the case is open; return the locked case. Runs inside the caller's transaction, so
    the row stays locked until the change and its audit event commit: closing a case waits for
    a change in progress, and a change waits for a close, then sees it.

    `roles`: any one of them allows the change (None: the caller checks, as transitions do,
    whose roles depend on the state read under the lock). A `user` of None is the system or an
    operator at the shell. `refusal` is what a user without the role is told; `closed` what is
    said when the case is closed, or None for the changes a closed case still takes (moving
    it, assigning, exports, legal holds)."""
    assert connection.in_atomic_block, "case_lock_for_change must run inside transaction.atomic()"
    if roles is not None and user is not None and not (user_roles(user) & set(roles)):
        raise PermissionDenied(
            refusal or f"This change needs the {roles_phrase(roles)} role.", field=field
        )
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if closed is not None and not locked.is_open:
        raise DomainError(closed, field=field)
    return locked


def cases_lock_for_change_many(*, case_ids: Iterable[int]) -> set[int]:
    """The gate for a change made by the system to many cases at once (routing): lock their
    rows in id order (two such changes never wait on each other in a cycle); return the ids of
    those that are open. The caller decides what to do about the others."""
    assert connection.in_atomic_block, "cases_lock_for_change_many must run inside a transaction"
    ids = sorted(set(case_ids))
    if not ids:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, state <> %s FROM cases_case WHERE id = ANY(%s) ORDER BY id FOR UPDATE",
            [State.CLOSED, ids],
        )
        return {case_id for case_id, is_open in cursor.fetchall() if is_open}


def _linked_account_count(case: Case) -> int:
    return case.case_accounts.count()


def _evidence_count(case: Case) -> int:
    # Its own, and what a merge linked to it (evidence.EvidenceLink).
    return case.evidence_items.count() + case.evidence_links.count()


def _has_finished_export(case: Case) -> bool:
    return case.exports.filter(status=JobStatus.DONE).exists()


@transaction.atomic
def case_transition(
    *,
    case: Case,
    user,
    to_state: str,
    reason: str = "",
    expected_state: str | None = None,
    resolution: str = "",
    closing_summary: str = "",
    duplicate_of: Case | None = None,
    legal_reviewers: list | None = None,
) -> Case:
    """Move a case to another state. The row lock makes the check-then-write atomic: of two
    people moving the same case from the same state, the second one waits, then finds the state
    changed and is refused."""
    locked = case_lock_for_change(case=case, user=user, roles=None, closed=None)
    from_state = locked.state
    if expected_state is not None and expected_state != from_state:
        raise DomainError(
            f"{locked.number} is now {locked.get_state_display().lower()}, not "
            f"{State(expected_state).label.lower()}: someone moved it meanwhile. Reload and retry.",
            field="state",
        )
    if to_state not in State.values:
        raise DomainError(f"Unknown state {to_state!r}.", field="to_state", status=400)
    allowed_roles = workflow.roles_for(from_state, to_state)
    if allowed_roles is None:
        raise DomainError(
            f"A case cannot go from {State(from_state).label.lower()} to "
            f"{State(to_state).label.lower()}.",
            field="to_state",
        )
    if not (user_roles(user) & allowed_roles):
        needed = " or ".join(sorted(allowed_roles))
        raise PermissionDenied(
            f"Moving a case from {State(from_state).label.lower()} to "
            f"{State(to_state).label.lower()} needs the {needed} role.",
            field="to_state",
        )

    now = timezone.now()
    event_data = {"from": from_state, "to": to_state, "reason": reason}
    if to_state == State.ENFORCEMENT and _linked_account_count(locked) == 0:
        raise DomainError("Enforcement needs at least one linked account.", field="to_state")
    if to_state == State.LEGAL_REVIEW and _evidence_count(locked) == 0:
        raise DomainError("Legal review needs at least one evidence item.", field="to_state")
    if to_state == State.LEGAL_REVIEW:
        legal_review.tasks_check(locked)
        reviewers = legal_review.reviewers_for(legal_reviewers)
    if to_state == State.REFERRED and not _has_finished_export(locked):
        raise DomainError("Referral needs a finished export bundle of the case.", field="to_state")
    if to_state == State.CLOSED:
        _close_checks(locked, user, resolution, closing_summary, duplicate_of)
        locked.resolution = resolution
        locked.closing_summary = closing_summary.strip()
        locked.duplicate_of = duplicate_of if resolution == Resolution.DUPLICATE else None
        event_data.update(resolution=resolution, closing_summary=locked.closing_summary)
        if locked.duplicate_of is not None:
            event_data["duplicate_of"] = locked.duplicate_of.number
    if from_state == State.CLOSED:
        event_data["previous_resolution"] = locked.resolution
        locked.resolution = ""
        locked.closing_summary = ""
        locked.duplicate_of = None
        locked.closed_at = None
        locked.reopened_at = now

    locked.state = to_state
    locked.updated_at = now
    field = workflow.TIMESTAMP_FIELD.get(to_state)
    if field and (getattr(locked, field) is None or to_state == State.CLOSED):
        setattr(locked, field, now)
    locked.save()
    event_append(
        case=locked,
        kind="case.reopened" if from_state == State.CLOSED else "case.transition",
        actor=user,
        data=event_data,
    )
    if to_state == State.LEGAL_REVIEW:
        legal_review.reviewers_add(case=locked, user=user, reviewers=reviewers)
    return locked


def _close_checks(case, user, resolution, closing_summary, duplicate_of) -> None:
    if resolution not in Resolution.values:
        raise DomainError(
            "Closing needs a resolution: one of " + ", ".join(Resolution.values) + ".",
            field="resolution",
            status=400,
        )
    if not (closing_summary or "").strip():
        raise DomainError("Closing needs a closing summary.", field="closing_summary", status=400)
    if resolution == Resolution.DUPLICATE:
        if duplicate_of is None:
            raise DomainError(
                "A duplicate must name the surviving case.", field="duplicate_of", status=400
            )
        if duplicate_of.pk == case.pk:
            raise DomainError(
                "A case cannot be a duplicate of itself.", field="duplicate_of", status=400
            )
        if duplicate_of.resolution == Resolution.DUPLICATE:
            raise DomainError(
                f"{duplicate_of.number} is itself a duplicate; name the case that survives.",
                field="duplicate_of",
                status=400,
            )


@transaction.atomic
def case_assign(*, case: Case, user, assignee) -> Case:
    locked = case_lock_for_change(
        case=case,
        user=user,
        roles=LEAD_ONLY,
        refusal="Assigning a case needs the lead role.",
        field="assignee",
        closed=None,
    )
    previous = locked.assignee.get_username() if locked.assignee else None
    locked.assignee = assignee
    locked.updated_at = timezone.now()
    locked.save(update_fields=["assignee", "updated_at"])
    if assignee is not None:
        CaseMember.objects.get_or_create(case=locked, user=assignee)
    event_append(
        case=locked,
        kind="case.assigned",
        actor=user,
        data={"from": previous, "to": assignee.get_username() if assignee else None},
    )
    return locked


UPDATABLE = ("title", "summary", "severity", "suspected_actor", "actor_confidence", "tags")


@transaction.atomic
def case_update(*, case: Case, user, **changes) -> Case:
    locked = case_lock_for_change(
        case=case,
        user=user,
        roles=WORK_ROLES,
        refusal="Editing a case needs the investigator or lead role.",
    )
    unknown = set(changes) - set(UPDATABLE)
    if unknown:
        raise DomainError(
            f"Cannot change {sorted(unknown)[0]}.", field=sorted(unknown)[0], status=400
        )
    diff = {}
    for name, value in changes.items():
        value = _clean_field(name, value)
        old = getattr(locked, name)
        if old != value:
            diff[name] = {"from": old, "to": value}
            setattr(locked, name, value)
    if not diff:
        return locked
    if "severity" in diff:
        diff.update(_sla_follow(locked))
    locked.updated_at = timezone.now()
    locked.save()
    event_append(case=locked, kind="case.updated", actor=user, data=diff)
    return locked


def _sla_follow(case: Case) -> dict:
    """The SLA clocks run from when the case was opened (or reopened) for as long as its
    severity allows: a severity change moves their due times, and the event records both."""
    sla = settings.QUARRY_SLA[case.severity]
    start = case.reopened_at or case.created_at
    moved = {}
    for name, due in (
        ("triage_due_at", case.created_at + sla["triage"]),
        ("resolve_due_at", start + sla["resolve"]),
    ):
        if getattr(case, name) != due:
            moved[name] = {"from": getattr(case, name).isoformat(), "to": due.isoformat()}
            setattr(case, name, due)
    return moved


@transaction.atomic
def case_take(*, case: Case, user) -> Case:
    """The caller takes the case: allowed when nobody has it, or the caller already does.
    Taking it from someone else is a lead's reassignment (case_assign)."""
    locked = case_lock_for_change(
        case=case,
        user=user,
        roles=WORK_ROLES,
        refusal="Taking a case needs the investigator or lead role.",
    )
    if locked.assignee_id == user.pk:
        return locked
    if locked.assignee_id is not None:
        raise DomainError(
            f"{locked.number} is assigned to {locked.assignee.get_username()}; "
            "a lead may reassign it.",
            field="assignee",
        )
    locked.assignee = user
    locked.updated_at = timezone.now()
    locked.save(update_fields=["assignee", "updated_at"])
    CaseMember.objects.get_or_create(case=locked, user=user)
    event_append(
        case=locked,
        kind="case.assigned",
        actor=user,
        data={"from": None, "to": user.get_username(), "taken": True},
    )
    return locked


@transaction.atomic
def case_restrict(*, case: Case, user, restricted: bool) -> Case:
    locked = case_lock_for_change(
        case=case,
        user=user,
        roles=LEAD_ONLY,
        refusal="Restricting a case needs the lead role.",
        field="restricted",
        closed=None,
    )
    if locked.restricted == restricted:
        return locked
    locked.restricted = restricted
    locked.updated_at = timezone.now()
    locked.save(update_fields=["restricted", "updated_at"])
    # Whoever restricts stays able to see the case.
    CaseMember.objects.get_or_create(case=locked, user=user)
    event_append(
        case=locked,
        kind="case.restricted" if restricted else "case.unrestricted",
        actor=user,
        data={},
    )
    return locked


@transaction.atomic
def case_member_add(*, case: Case, user, member) -> None:
    locked = case_lock_for_change(
        case=case,
        user=user,
        roles=LEAD_ONLY,
        refusal="Adding members needs the lead role.",
        field="member",
        closed=None,
    )
    _, created = CaseMember.objects.get_or_create(case=locked, user=member)
    if created:
        event_append(
            case=locked,
            kind="case.member_added",
            actor=user,
            data={"member": member.get_username()},
        )


@transaction.atomic
def case_comment_add(*, case: Case, user, body: str) -> Comment:
    body = (body or "").strip()
    if not body:
        raise DomainError("A note cannot be empty.", field="body", status=400)
    if len(body) > 50_000:
        raise DomainError("A note is at most 50,000 characters.", field="body", status=400)
    # A closed case is finished: a reason to reopen it goes with the reopening (issue 14).
    locked = case_lock_for_change(
        case=case,
        user=user,
        roles=CONTRIBUTE_ROLES,
        field="body",
        closed="A closed case takes no notes; reopen it first.",
    )
    comment = Comment.objects.create(case=locked, author=user, body=body)
    event_append(
        case=locked,
        kind="comment.added",
        actor=user,
        data={"comment_id": comment.pk, "body": body},
    )
    return comment


def case_record_view(*, case: Case, user, via: str = "page") -> None:
    """Reads of a restricted case's material are on the audit trail too, whichever way they
    come (page, tab fragment, API, evidence preview, graph). At most one `case.viewed` per
    person and case every QUARRY_CASE_VIEW_COALESCE_SECONDS: the trail says who looked and
    when, without an event for every tab and poll; `via` says how the first look came."""
    if not case.restricted or not getattr(user, "pk", None):
        return
    since = timezone.now() - timedelta(seconds=settings.QUARRY_CASE_VIEW_COALESCE_SECONDS)
    recent = CaseEvent.objects.filter(
        case_id=case.pk, kind="case.viewed", actor_id=user.pk, at__gte=since
    )
    if recent.exists():
        return
    with transaction.atomic():
        event_append(case=case, kind="case.viewed", actor=user, data={"via": via})


def _legal_hold_set(*, case: Case, user, hold: bool, reason: str) -> Case:
    verb = "Placing" if hold else "Lifting"
    locked = case_lock_for_change(
        case=case,
        user=user,
        roles=LEGAL_ONLY,
        refusal=f"{verb} a legal hold needs the legal role.",
        field="legal_hold",
        closed=None,
    )
    if locked.legal_hold == hold:
        return locked
    locked.legal_hold = hold
    locked.updated_at = timezone.now()
    locked.save(update_fields=["legal_hold", "updated_at"])
    event_append(
        case=locked,
        kind="case.legal_hold_placed" if hold else "case.legal_hold_lifted",
        actor=user,
        data={"reason": reason},
    )
    return locked


@transaction.atomic
def legal_hold_place(*, case: Case, user, reason: str = "") -> Case:
    """While the hold stands, the database refuses to delete the case's evidence or the case."""
    return _legal_hold_set(case=case, user=user, hold=True, reason=reason)


@transaction.atomic
def legal_hold_lift(*, case: Case, user, reason: str = "") -> Case:
    return _legal_hold_set(case=case, user=user, hold=False, reason=reason)
