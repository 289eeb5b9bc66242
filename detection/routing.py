"""Routing: signals become cases.

A strong signal (severity and confidence at or above the admin's thresholds) joins the open case
of its accounts' cluster, or opens one. A weak signal joins an open case of its cluster if there
is one; otherwise it waits on its accounts until the weak signals waiting in the cluster add up
to the threshold score, and then they open a case together.

Signals are routed set-wise: one routing run takes many signals, groups them by cluster, and
handles each cluster in one short transaction under an advisory lock keyed on the cluster. The
lock is what makes two strong signals of one cluster, routed at the same moment by two workers,
end up in one case: the second waits, then finds the case the first opened."""

from dataclasses import dataclass

from django.db import connection, transaction

from accounts.models import CaseAccountRole
from cases.audit import event_append
from cases.models import SEVERITY_RANK, Case
from cases.services import case_create

from .clusters import account_clusters
from .models import RoutingSettings, SignalKind

ROUTING_ACTOR = "routing"
_LOCK_NAMESPACE = 0x5147  # first key of the two-key advisory lock: "routing of cluster N"
SEVERITY_WEIGHT = {"low": 1, "medium": 2, "high": 4, "critical": 8}


@dataclass(frozen=True)
class Thresholds:
    strong_min_severity: str
    strong_min_confidence: int
    weak_case_score: float

    @classmethod
    def current(cls) -> "Thresholds":
        s = RoutingSettings.current()
        return cls(s.strong_min_severity, s.strong_min_confidence, s.weak_case_score)

    def is_strong(self, severity: str, confidence: int) -> bool:
        return (
            SEVERITY_RANK[severity] >= SEVERITY_RANK[self.strong_min_severity]
            and confidence >= self.strong_min_confidence
        )


def signal_score(severity: str, confidence: int) -> float:
    """What a weak signal adds to its cluster: severity weight × confidence / 100."""
    return SEVERITY_WEIGHT[severity] * confidence / 100


@dataclass
class _Signal:
    id: int
    external_id: str
    kind: str
    severity: str
    confidence: int
    account_ids: list[int]


def _load(signal_ids: list[int]) -> list[_Signal]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.id, s.external_id, s.kind, s.severity, s.confidence, "
            "COALESCE(array_agg(sa.account_id) FILTER (WHERE sa.account_id IS NOT NULL), '{}') "
            "FROM detection_signal s LEFT JOIN detection_signalaccount sa ON sa.signal_id = s.id "
            "WHERE s.id = ANY(%s) AND s.routed_at IS NULL GROUP BY s.id ORDER BY s.id",
            [list(signal_ids)],
        )
        return [_Signal(*row) for row in cursor.fetchall()]


def _groups(signals: list[_Signal]) -> list[tuple[frozenset[int], list[_Signal]]]:
    """Signals grouped by cluster; a signal naming accounts of two clusters joins them."""
    clusters = account_clusters({a for s in signals for a in s.account_ids})
    cluster_of = {a: i for i, members in enumerate(clusters) for a in members}
    parent = list(range(len(clusters)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for signal in signals:
        ids = [cluster_of[a] for a in signal.account_ids]
        for other in ids[1:]:
            parent[find(other)] = find(ids[0])
    grouped: dict[int, tuple[set[int], list[_Signal]]] = {}
    lone: list[tuple[frozenset[int], list[_Signal]]] = []
    for signal in signals:
        if not signal.account_ids:
            lone.append((frozenset(), [signal]))
            continue
        root = find(cluster_of[signal.account_ids[0]])
        accounts, members = grouped.setdefault(root, (set(), []))
        members.append(signal)
    for i, members in enumerate(clusters):
        root = find(i)
        if root in grouped:
            grouped[root][0].update(members)
    return [(frozenset(a), m) for a, m in grouped.values()] + lone


def _open_case_of(accounts: frozenset[int]) -> Case | None:
    if not accounts:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.id FROM accounts_caseaccount ca JOIN cases_case c ON c.id = ca.case_id "
            "WHERE ca.account_id = ANY(%s) AND c.state <> 'closed' "
            "ORDER BY c.created_at, c.id LIMIT 1",
            [list(accounts)],
        )
        row = cursor.fetchone()
    return Case.objects.get(pk=row[0]) if row else None


def _waiting_weak(accounts: frozenset[int], exclude: set[int]) -> list[_Signal]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.id, s.external_id, s.kind, s.severity, s.confidence, "
            "array_agg(sa2.account_id) FROM detection_signal s "
            "JOIN detection_signalaccount sa2 ON sa2.signal_id = s.id "
            "WHERE s.id IN (SELECT sa.signal_id FROM detection_signalaccount sa "
            "               WHERE sa.account_id = ANY(%s)) "
            "AND s.case_id IS NULL AND s.routed_at IS NOT NULL GROUP BY s.id",
            [list(accounts)],
        )
        return [_Signal(*row) for row in cursor.fetchall() if row[0] not in exclude]


def _attach(case: Case, signals: list[_Signal], *, reason: str) -> None:
    signal_ids = [s.id for s in signals]
    account_ids = sorted({a for s in signals for a in s.account_ids})
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE detection_signal SET case_id = %s, routed_at = now() WHERE id = ANY(%s)",
            [case.pk, signal_ids],
        )
        cursor.execute(
            "INSERT INTO accounts_caseaccount (case_id, account_id, role, enforcement, added_at) "
            "SELECT %s, a, %s, 'none', now() FROM unnest(%s::bigint[]) AS a ORDER BY a "
            "ON CONFLICT DO NOTHING RETURNING account_id",
            [case.pk, CaseAccountRole.LINKED, account_ids],
        )
        linked = [row[0] for row in cursor.fetchall()]
        linked_ext = []
        if linked:
            cursor.execute(
                "SELECT external_id FROM accounts_account WHERE id = ANY(%s) ORDER BY external_id",
                [linked],
            )
            linked_ext = [row[0] for row in cursor.fetchall()]
    event_append(
        case=case,
        kind="signals.attached",
        actor=ROUTING_ACTOR,
        data={
            "reason": reason,
            "signals": sorted(s.external_id for s in signals),
            "signal_ids": sorted(signal_ids),
            "accounts_linked": linked_ext,
        },
    )


def _mark_waiting(signals: list[_Signal]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE detection_signal SET routed_at = now() WHERE id = ANY(%s)",
            [[s.id for s in signals]],
        )


def _open_case(signals: list[_Signal], *, why: str) -> Case:
    severity = max((s.severity for s in signals), key=lambda v: SEVERITY_RANK[v])
    kinds = sorted({s.kind for s in signals})
    accounts = {a for s in signals for a in s.account_ids}
    label = SignalKind(kinds[0]).label if len(kinds) == 1 else "Multiple signal kinds"
    return case_create(
        title=f"{label} on {len(accounts)} account{'s' if len(accounts) != 1 else ''} ({why})",
        severity=severity,
        summary=f"Opened by routing: {len(signals)} signal(s) of kind {', '.join(kinds)}.",
        tags=["routed", *kinds],
        origin="routing",
    )


@transaction.atomic
def _route_group(accounts: frozenset[int], candidates: list[_Signal], rules: Thresholds) -> int:
    with connection.cursor() as cursor:
        lock_key = min(accounts) if accounts else -min(s.id for s in candidates)
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_NAMESPACE, lock_key])
        # Routed meanwhile by another run (the sweep, a redelivered task)? Then leave them be.
        cursor.execute(
            "SELECT id FROM detection_signal WHERE id = ANY(%s) AND routed_at IS NULL "
            "FOR UPDATE SKIP LOCKED",
            [[s.id for s in candidates]],
        )
        still = {row[0] for row in cursor.fetchall()}
    signals = [s for s in candidates if s.id in still]
    if not signals:
        return 0
    strong = [s for s in signals if rules.is_strong(s.severity, s.confidence)]
    case = _open_case_of(accounts)
    if case is not None:
        _attach(case, signals, reason="open case of the cluster")
        return len(signals)
    if strong:
        waiting = _waiting_weak(accounts, {s.id for s in signals}) if accounts else []
        case = _open_case(strong, why="strong signal")
        _attach(case, signals + waiting, reason="strong signal")
        return len(signals)
    waiting = _waiting_weak(accounts, {s.id for s in signals}) if accounts else []
    total = sum(signal_score(s.severity, s.confidence) for s in signals + waiting)
    if accounts and total >= rules.weak_case_score:
        everything = signals + waiting
        case = _open_case(everything, why=f"weak signals scored {total:.1f}")
        _attach(case, everything, reason=f"weak signals crossed {rules.weak_case_score:g}")
        return len(signals)
    _mark_waiting(signals)
    return len(signals)


def signals_route(*, signal_ids: list[int]) -> int:
    """Route the given signals that nobody routed yet; returns how many this run routed."""
    signals = _load(signal_ids)
    if not signals:
        return 0
    rules = Thresholds.current()
    routed = 0
    for accounts, members in _groups(signals):
        routed += _route_group(accounts, members, rules)
    return routed
