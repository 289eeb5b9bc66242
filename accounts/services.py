"""Changes to accounts, their clusters and their place in cases. Every change to a case writes
its audit event in the same transaction; lists are handled with set-based SQL, so a pasted list
of 50,000 external ids costs a few statements, not 50,000."""

from dataclasses import dataclass, field

from django.db import connection, transaction

from cases.audit import event_append
from cases.models import Case
from cases.services import case_lock_for_change
from core.enqueue import task_enqueue_on_commit
from core.errors import DomainError, PermissionDenied
from core.roles import ADMIN_ONLY, WORK_ROLES, user_roles

from .models import (
    AttributeType,
    AttributeWeight,
    CaseAccountRole,
    Cluster,
    ClusterRecompute,
    Enforcement,
    LinkStrength,
    RecomputeStatus,
)

ENFORCEMENT_ORDER = [
    Enforcement.NONE,
    Enforcement.REQUESTED,
    Enforcement.SUSPENDED,
    Enforcement.BANNED,
]
MAX_PASTED_IDS = 100_000


@dataclass
class AccountsAdded:
    added: list[str] = field(default_factory=list)
    already: int = 0
    unknown: list[str] = field(default_factory=list)


def _editable(case: Case, user) -> Case:
    return case_lock_for_change(
        case=case,
        user=user,
        roles=WORK_ROLES,
        refusal="Linking accounts needs the investigator or lead role.",
    )


def _check_role(role: str) -> None:
    if role not in CaseAccountRole.values:
        raise DomainError(f"Unknown role {role!r}.", field="role", status=400)


def _insert(case: Case, user, role: str, account_ids: list[int]) -> list[str]:
    """Link the accounts that are not linked yet; return their external ids."""
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH added AS ("
            " INSERT INTO accounts_caseaccount "
            " (case_id, account_id, role, enforcement, added_by_id, added_at) "
            " SELECT %s, a.id, %s, %s, %s, now() FROM accounts_account a "
            " WHERE a.id = ANY(%s) ORDER BY a.id "
            " ON CONFLICT (case_id, account_id) DO NOTHING RETURNING account_id) "
            "SELECT a.external_id FROM added JOIN accounts_account a ON a.id = added.account_id "
            "ORDER BY a.external_id",
            [case.pk, role, Enforcement.NONE, user.pk, account_ids],
        )
        return [row[0] for row in cursor.fetchall()]


def _record(case: Case, user, *, source: str, role: str, result: AccountsAdded, **extra) -> None:
    if not result.added:
        return
    event_append(
        case=case,
        kind="accounts.added",
        actor=user,
        data={
            "source": source,
            "role": role,
            "count": len(result.added),
            "external_ids": result.added,
            **extra,
        },
    )


@transaction.atomic
def case_accounts_add(
    *, case: Case, user, account_ids: list[int], role: str = CaseAccountRole.LINKED
) -> AccountsAdded:
    """Link accounts chosen by id (from a search)."""
    _check_role(role)
    locked = _editable(case, user)
    wanted = sorted({int(a) for a in account_ids})
    result = AccountsAdded(added=_insert(locked, user, role, wanted))
    result.already = len(wanted) - len(result.added)
    _record(locked, user, source="search", role=role, result=result)
    return result


def parse_external_ids(text: str) -> list[str]:
    """A pasted list: one id per line, or separated by commas, semicolons or whitespace."""
    for separator in ",;\t\r":
        text = text.replace(separator, "\n")
    ids = list(dict.fromkeys(part.strip() for part in text.split() if part.strip()))
    if len(ids) > MAX_PASTED_IDS:
        raise DomainError(
            f"Paste at most {MAX_PASTED_IDS:,} ids at a time.", field="external_ids", status=400
        )
    return ids


@transaction.atomic
def case_accounts_add_external_ids(
    *, case: Case, user, external_ids: list[str], role: str = CaseAccountRole.LINKED
) -> AccountsAdded:
    """Link accounts named by their external ids. Ids that match no account are reported back
    in `unknown`, never dropped silently."""
    _check_role(role)
    locked = _editable(case, user)
    wanted = list(dict.fromkeys(e.strip() for e in external_ids if e and e.strip()))
    if not wanted:
        raise DomainError("Paste at least one external id.", field="external_ids", status=400)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT w.external_id, a.id FROM unnest(%s::text[]) AS w(external_id) "
            "LEFT JOIN accounts_account a ON a.external_id = w.external_id",
            [wanted],
        )
        rows = cursor.fetchall()
    found = [pk for _, pk in rows if pk is not None]
    result = AccountsAdded(added=_insert(locked, user, role, found))
    result.unknown = sorted(ext for ext, pk in rows if pk is None)
    result.already = len(found) - len(result.added)
    _record(
        locked, user, source="pasted list", role=role, result=result, unknown=len(result.unknown)
    )
    return result


@transaction.atomic
def case_accounts_add_cluster(
    *, case: Case, user, cluster: Cluster, role: str = CaseAccountRole.LINKED
) -> AccountsAdded:
    _check_role(role)
    locked = _editable(case, user)
    ids = list(cluster.memberships.values_list("account_id", flat=True))
    if not ids:
        raise DomainError(f"{cluster.label} has no members.", field="cluster")
    result = AccountsAdded(added=_insert(locked, user, role, ids))
    result.already = len(ids) - len(result.added)
    _record(locked, user, source="cluster", role=role, result=result, cluster=cluster.label)
    return result


def case_accounts_link_many(
    links: list[tuple[int, int]], *, role: str = CaseAccountRole.LINKED
) -> dict[int, list[str]]:
    """Link many (case id, account id) pairs at once for the system (routing), skipping pairs
    already linked; for each case, the external ids of the accounts it gained. The caller holds
    the cases' gate (cases_lock_for_change_many) and records the audit events."""
    linked: dict[int, list[int]] = {}
    pairs = sorted(set(links))
    if not pairs:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO accounts_caseaccount (case_id, account_id, role, enforcement, "
            "added_at) SELECT c, a, %s, %s, now() "
            "FROM unnest(%s::bigint[], %s::bigint[]) AS f(c, a) ORDER BY c, a "
            "ON CONFLICT DO NOTHING RETURNING case_id, account_id",
            [role, Enforcement.NONE, [c for c, _ in pairs], [a for _, a in pairs]],
        )
        for case_id, account_id in cursor.fetchall():
            linked.setdefault(case_id, []).append(account_id)
        if not linked:
            return {}
        cursor.execute(
            "SELECT id, external_id FROM accounts_account WHERE id = ANY(%s)",
            [sorted({a for ids in linked.values() for a in ids})],
        )
        names = dict(cursor.fetchall())
    return {case_id: sorted(names[a] for a in ids) for case_id, ids in linked.items()}


def _external_ids(cursor, account_ids: list[int]) -> list[str]:
    cursor.execute(
        "SELECT external_id FROM accounts_account WHERE id = ANY(%s) ORDER BY external_id",
        [account_ids],
    )
    return [row[0] for row in cursor.fetchall()]


@transaction.atomic
def case_accounts_role_set(*, case: Case, user, account_ids: list[int], role: str) -> int:
    _check_role(role)
    locked = _editable(case, user)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_caseaccount SET role = %s WHERE case_id = %s "
            "AND account_id = ANY(%s) AND role <> %s RETURNING account_id",
            [role, locked.pk, [int(a) for a in account_ids], role],
        )
        changed = [row[0] for row in cursor.fetchall()]
        if changed:
            event_append(
                case=locked,
                kind="accounts.role_changed",
                actor=user,
                data={
                    "role": role,
                    "count": len(changed),
                    "external_ids": _external_ids(cursor, changed),
                },
            )
    return len(changed)


@transaction.atomic
def case_accounts_enforcement_set(
    *, case: Case, user, account_ids: list[int], status: str, note: str = ""
) -> int:
    """Move enforcement forward (none → requested → suspended → banned) for many accounts at
    once, stamping when and who. Accounts already at or past `status` are left as they are."""
    if status not in ENFORCEMENT_ORDER or status == Enforcement.NONE:
        raise DomainError(
            "Enforcement moves to requested, suspended or banned.", field="status", status=400
        )
    locked = _editable(case, user)
    earlier = [str(s) for s in ENFORCEMENT_ORDER[: ENFORCEMENT_ORDER.index(status)]]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_caseaccount SET enforcement = %s, enforcement_updated_at = now(), "
            "enforcement_updated_by_id = %s WHERE case_id = %s AND account_id = ANY(%s) "
            "AND enforcement = ANY(%s) RETURNING account_id",
            [status, user.pk, locked.pk, [int(a) for a in account_ids], earlier],
        )
        changed = [row[0] for row in cursor.fetchall()]
        if changed:
            event_append(
                case=locked,
                kind="accounts.enforcement",
                actor=user,
                data={
                    "status": status,
                    "note": note,
                    "count": len(changed),
                    "external_ids": _external_ids(cursor, changed),
                },
            )
    return len(changed)


@transaction.atomic
def attribute_weight_set(*, user, type: str, strength: str, hub_threshold: int) -> AttributeWeight:
    """Change how an attribute type links accounts, then recompute every cluster."""
    if not (user_roles(user) & ADMIN_ONLY):
        raise PermissionDenied("Changing link weights needs the admin role.")
    if type not in AttributeType.values:
        raise DomainError(f"Unknown attribute type {type!r}.", field="type", status=400)
    if strength not in LinkStrength.values:
        raise DomainError(f"Unknown strength {strength!r}.", field="strength", status=400)
    if hub_threshold < 2:
        raise DomainError("A hub threshold is at least 2.", field="hub_threshold", status=400)
    weight, _ = AttributeWeight.objects.select_for_update().get_or_create(
        type=type, defaults={"strength": strength, "hub_threshold": hub_threshold}
    )
    weight.strength = strength
    weight.hub_threshold = hub_threshold
    weight.save()
    cluster_recompute_request(user=user)
    return weight


@transaction.atomic
def cluster_recompute_request(*, user=None) -> ClusterRecompute:
    """Queue a full recompute (a Celery task, enqueued once this transaction commits). A
    request made while one is still queued joins it."""
    from .tasks import cluster_recompute_task

    pending = (
        ClusterRecompute.objects.select_for_update()
        .filter(status=RecomputeStatus.QUEUED)
        .order_by("created_at")
        .first()
    )
    if pending is not None:
        return pending
    job = ClusterRecompute.objects.create(requested_by=user)
    task_enqueue_on_commit(cluster_recompute_task, job.pk)
    return job
