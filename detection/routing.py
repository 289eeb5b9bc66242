"""Routing: signals become cases.

A strong signal (severity and confidence at or above the admin's thresholds) joins the open case
of its accounts' cluster, or opens one. A weak signal joins an open case of its cluster if there
is one; otherwise it waits on its accounts until the weak signals waiting in the cluster add up
to the threshold score, and then they open a case together.

Signals are routed set-wise: one routing run takes many signals, groups them by cluster, and
handles each cluster in one short transaction under an advisory lock keyed on the cluster. The
lock is what makes two strong signals of one cluster, routed at the same moment by two workers,
end up in one case: the second waits, then finds the case the first opened."""

import json
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import CaseAccountRole
from cases import audit
from cases.models import SEVERITY_RANK, Case, CaseEvent
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
            "WHERE s.id = ANY(%s) GROUP BY s.id HAVING bool_and(s.routed_at IS NULL) "
            "ORDER BY s.id",
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


def _open_cases_linking(account_ids: set[int]) -> dict[int, int]:
    """For each account already linked to an open case, the oldest such case."""
    if not account_ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT ON (ca.account_id) ca.account_id, c.id "
            "FROM unnest(%s::bigint[]) AS f(a) "
            "JOIN accounts_caseaccount ca ON ca.account_id = f.a "
            "JOIN cases_case c ON c.id = ca.case_id "
            "WHERE c.state <> 'closed' ORDER BY ca.account_id, c.created_at, c.id",
            [sorted(account_ids)],
        )
        return dict(cursor.fetchall())


def _open_cases_of(groups: list[frozenset[int]]) -> dict[int, int]:
    """For each group (by index), the oldest open case linking any of its accounts."""
    pairs = [(g, a) for g, accounts in enumerate(groups) for a in accounts]
    if not pairs:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT ON (f.g) f.g, c.id FROM unnest(%s::int[], %s::bigint[]) AS f(g, a) "
            "JOIN accounts_caseaccount ca ON ca.account_id = f.a "
            "JOIN cases_case c ON c.id = ca.case_id "
            "WHERE c.state <> 'closed' ORDER BY f.g, c.created_at, c.id",
            [[g for g, _ in pairs], [a for _, a in pairs]],
        )
        return dict(cursor.fetchall())


def _waiting_weak(accounts: frozenset[int], exclude: set[int]) -> list[_Signal]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.id, s.external_id, s.kind, s.severity, s.confidence, "
            "array_agg(sa2.account_id) FROM detection_signal s "
            "JOIN detection_signalaccount sa2 ON sa2.signal_id = s.id "
            "WHERE s.id IN (SELECT sa.signal_id FROM unnest(%s::bigint[]) AS f(id) "
            "               JOIN detection_signalaccount sa ON sa.account_id = f.id) "
            "AND s.case_id IS NULL AND s.routed_at IS NOT NULL GROUP BY s.id",
            [list(accounts)],
        )
        return [_Signal(*row) for row in cursor.fetchall() if row[0] not in exclude]


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


def _attach_all(attach: dict[int, tuple[list[_Signal], str]]) -> None:
    """Attach signals to cases in three statements, then one audit event per case."""
    pairs = sorted(
        ((case_id, s) for case_id, (signals, _) in attach.items() for s in signals),
        key=lambda pair: (pair[0], pair[1].id),
    )
    links = sorted({(case_id, a) for case_id, s in pairs for a in s.account_ids})
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE detection_signal AS s SET case_id = f.c, routed_at = now() "
            "FROM unnest(%s::bigint[], %s::bigint[]) AS f(id, c) WHERE s.id = f.id",
            [[s.id for _, s in pairs], [c for c, _ in pairs]],
        )
        linked: dict[int, list[int]] = {}
        if links:
            cursor.execute(
                "INSERT INTO accounts_caseaccount (case_id, account_id, role, enforcement, "
                "added_at) SELECT c, a, %s, 'none', now() "
                "FROM unnest(%s::bigint[], %s::bigint[]) AS f(c, a) ORDER BY c, a "
                "ON CONFLICT DO NOTHING RETURNING case_id, account_id",
                [CaseAccountRole.LINKED, [c for c, _ in links], [a for _, a in links]],
            )
            for case_id, account_id in cursor.fetchall():
                linked.setdefault(case_id, []).append(account_id)
        names: dict[int, str] = {}
        new_accounts = sorted({a for ids in linked.values() for a in ids})
        if new_accounts:
            cursor.execute(
                "SELECT id, external_id FROM accounts_account WHERE id = ANY(%s)", [new_accounts]
            )
            names = dict(cursor.fetchall())
    _attach_events(
        {
            case_id: {
                "reason": reason,
                "signals": sorted(s.external_id for s in signals),
                "signal_ids": sorted(s.id for s in signals),
                "accounts_linked": sorted(names[a] for a in linked.get(case_id, [])),
            }
            for case_id, (signals, reason) in attach.items()
        }
    )


def _attach_events(data_by_case: dict[int, dict]) -> None:
    """One `signals.attached` event per case, appended to each case's hash chain exactly as
    cases.audit.event_append does (same lock, same canonical form), but for all cases in three
    statements: a routing run touches a hundred cases, and one round trip each would be most of
    its time."""
    case_ids = sorted(data_by_case)
    with connection.cursor() as cursor:
        # event_append's own lock on each case's chain, taken in id order.
        cursor.execute(
            "SELECT count(pg_advisory_xact_lock(%s, k)) FROM "
            "(SELECT k FROM unnest(%s::int[]) AS k ORDER BY k) AS ordered",
            [audit._LOCK_NAMESPACE, case_ids],
        )
        cursor.execute(
            "SELECT f.id, c.number, e.seq, e.hash FROM unnest(%s::bigint[]) AS f(id) "
            "JOIN cases_case c ON c.id = f.id "
            "LEFT JOIN LATERAL (SELECT seq, hash FROM cases_caseevent "
            "  WHERE case_id = f.id ORDER BY seq DESC LIMIT 1) AS e ON true",
            [case_ids],
        )
        heads = {row[0]: row[1:] for row in cursor.fetchall()}
    at = timezone.now()
    label = audit.actor_label(ROUTING_ACTOR)
    events = []
    for case_id in case_ids:
        number, seq, prev_hash = heads[case_id]
        seq, prev_hash = (seq or 0) + 1, prev_hash or audit.GENESIS
        clean = json.loads(json.dumps(data_by_case[case_id], default=str))
        payload = audit.event_payload(
            case_number=number, seq=seq, kind="signals.attached", actor=label, at=at, data=clean
        )
        events.append(
            CaseEvent(
                case_id=case_id,
                seq=seq,
                kind="signals.attached",
                actor=None,
                actor_label=label,
                at=at,
                data=clean,
                prev_hash=prev_hash,
                hash=audit.chain_hash(prev_hash, payload),
            )
        )
    CaseEvent.objects.bulk_create(events)


@transaction.atomic
def _route_groups(
    groups: list[tuple[frozenset[int], list[_Signal]]],
    rules: Thresholds,
    direct: list[tuple[int, _Signal]],
) -> int:
    keys = sorted(
        {min(accounts) if accounts else -min(s.id for s in members) for accounts, members in groups}
    )
    with connection.cursor() as cursor:
        # Cluster locks, taken in key order so two routers never wait on each other in a cycle.
        cursor.execute(
            "SELECT count(pg_advisory_xact_lock(%s::int, (k %% 2147483647)::int)) FROM "
            "(SELECT k FROM unnest(%s::bigint[]) AS k ORDER BY k) AS ordered",
            [_LOCK_NAMESPACE, keys],
        )
        # routed_at is tested here, not in WHERE: with it there the planner may scan the whole
        # partial index of unrouted signals, which is large exactly when routing falls behind.
        cursor.execute(
            "SELECT id, routed_at IS NULL FROM detection_signal WHERE id = ANY(%s) "
            "FOR UPDATE SKIP LOCKED",
            [[s.id for _, members in groups for s in members] + [s.id for _, s in direct]],
        )
        still = {row[0] for row in cursor.fetchall() if row[1]}
    direct = [(case_id, s) for case_id, s in direct if s.id in still]
    groups = [(a, [s for s in m if s.id in still]) for a, m in groups]
    groups = [(a, m) for a, m in groups if m]
    open_cases = _open_cases_of([a for a, _ in groups])
    attach: dict[int, tuple[list[_Signal], str]] = {}
    waiting: list[_Signal] = []

    def add(case_id: int, signals: list[_Signal], reason: str) -> None:
        before, _ = attach.get(case_id, ([], reason))
        attach[case_id] = (before + signals, reason)

    for case_id, signal in direct:
        add(case_id, [signal], "open case of the cluster")

    for index, (accounts, signals) in enumerate(groups):
        if index in open_cases:
            add(open_cases[index], signals, "open case of the cluster")
            continue
        strong = [s for s in signals if rules.is_strong(s.severity, s.confidence)]
        pending = _waiting_weak(accounts, {s.id for s in signals}) if accounts else []
        if strong:
            add(_open_case(strong, why="strong signal").pk, signals + pending, "strong signal")
            continue
        total = sum(signal_score(s.severity, s.confidence) for s in signals + pending)
        if accounts and total >= rules.weak_case_score:
            everything = signals + pending
            case = _open_case(everything, why=f"weak signals scored {total:.1f}")
            add(case.pk, everything, f"weak signals crossed {rules.weak_case_score:g}")
        else:
            waiting.extend(signals)
    if attach:
        _attach_all(attach)
    if waiting:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE detection_signal SET routed_at = now() WHERE id = ANY(%s)",
                [[s.id for s in waiting]],
            )
    return sum(len(m) for _, m in groups) + len(direct)


def signals_route(*, signal_ids: list[int]) -> int:
    """Route the given signals that nobody routed yet; returns how many this run routed."""
    signals = _load(signal_ids)
    if not signals:
        return 0
    # Most signals of a running campaign name accounts already linked to its open case: they
    # join it without the cluster search, which only the others need.
    linked = _open_cases_linking({a for s in signals for a in s.account_ids})
    direct, rest = [], []
    for signal in signals:
        cases = [linked[a] for a in signal.account_ids if a in linked]
        if cases:
            direct.append((min(cases), signal))
        else:
            rest.append(signal)
    return _route_groups(_groups(rest) if rest else [], Thresholds.current(), direct)


def signals_route_pending(*, limit: int = 10_000) -> int:
    """Route the oldest unrouted signals, up to `limit`; how many were routed."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM detection_signal WHERE routed_at IS NULL ORDER BY received_at LIMIT %s",
            [limit],
        )
        ids = [row[0] for row in cursor.fetchall()]
    return signals_route(signal_ids=ids) if ids else 0
