"""Routing: signals become cases.

A strong signal (severity and confidence at or above the admin's thresholds) joins the open case
of its accounts' cluster, or opens one. A weak signal joins an open case of its cluster if there
is one; otherwise it waits on its accounts until the weak signals waiting in the cluster add up
to the threshold score, and then they open a case together.

Clusters are the accounts app's persistent ones (accounts.clustering): routing first brings the
clusters of the accounts its signals introduced up to date, then reads ClusterMember.

Signals are routed set-wise: one routing run takes many signals, groups them by cluster, and
handles them in one short transaction holding the lock of every cluster involved
(accounts.clustering.clusters_lock). The lock is what makes two strong signals of one cluster,
routed at the same moment by two workers, end up in one case: the second waits, then finds the
case the first opened. Cluster ids change when clusters merge, so after taking the locks the run
reads its accounts' clusters again and starts over if they moved; once it holds them they
cannot move, since a writer of clusters takes the same locks."""

import logging
from dataclasses import dataclass, field

from django.db import InterfaceError, OperationalError, connection, transaction

from accounts.clustering import cluster_update_for_accounts, clusters_lock
from accounts.services import case_accounts_link_many
from cases.audit import events_append_many
from cases.freeze import cases_frozen_divert
from cases.models import SEVERITY_RANK, Case, Severity, State
from cases.services import case_create, cases_lock_for_change_many
from detection.models import RoutingSettings, SignalKind

logger = logging.getLogger(__name__)

ROUTING_ACTOR = "routing"
ATTEMPTS = 20  # runs whose clusters moved under them before routing gives up (the sweep retries)
SEVERITY_WEIGHT = {Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 4, Severity.CRITICAL: 8}


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
    unclustered: list[int] = field(default_factory=list)
    dangling: list[int] = field(default_factory=list)  # linked ids with no account row


def _load(signal_ids: list[int]) -> list[_Signal]:
    """The unrouted signals among these, each with its accounts and, among them, those whose
    cluster may be out of date: never clustered, or holding an attribute first seen when this
    signal arrived or later. Ingestion stores a signal, its new accounts and their new attributes
    in one transaction stamped with one now(), so that is "the accounts or attributes this signal
    brought"; an attribute a later batch brought is picked up by that batch's signals."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT x.id, x.external_id, x.kind, x.severity, x.confidence, "
            "COALESCE(array_agg(x.account_id) FILTER (WHERE x.account_id IS NOT NULL), '{}'), "
            "COALESCE(array_agg(x.account_id) FILTER (WHERE x.stale), '{}'), "
            "COALESCE(array_agg(x.account_id) FILTER (WHERE x.dangling), '{}') FROM ("
            "  SELECT s.id, s.external_id, s.kind, s.severity, s.confidence, s.routed_at, "
            "  sa.account_id, sa.account_id IS NOT NULL AND ("
            "    NOT EXISTS (SELECT 1 FROM accounts_clustermember m "
            "                WHERE m.account_id = sa.account_id) "
            "    OR EXISTS (SELECT 1 FROM accounts_accountattribute a "
            "               WHERE a.account_id = sa.account_id "
            "               AND a.first_seen_at >= s.received_at)) AS stale, "
            # Only a stale account can be missing: a clustered one has its member row, which
            # goes with the account.
            "  sa.account_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM accounts_clustermember m "
            "    WHERE m.account_id = sa.account_id) AND NOT EXISTS (SELECT 1 FROM accounts_account "
            "    a WHERE a.id = sa.account_id) AS dangling "
            "  FROM detection_signal s "
            "  LEFT JOIN detection_signalaccount sa ON sa.signal_id = s.id "
            "  WHERE s.id = ANY(%s)) AS x "
            "GROUP BY x.id, x.external_id, x.kind, x.severity, x.confidence "
            "HAVING bool_and(x.routed_at IS NULL) ORDER BY x.id",
            [list(signal_ids)],
        )
        return [_Signal(*row) for row in cursor.fetchall()]


def _memberships(account_ids: set[int]) -> dict[int, int]:
    """The cluster of each of these accounts that has one."""
    if not account_ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT account_id, cluster_id FROM accounts_clustermember WHERE account_id = ANY(%s)",
            [sorted(account_ids)],
        )
        return dict(cursor.fetchall())


def _groups(
    signals: list[_Signal], cluster_of: dict[int, int]
) -> list[tuple[frozenset[int], list[_Signal]]]:
    """Signals grouped by the clusters of their accounts: a signal naming accounts of two
    clusters routes them together, so that one case serves both. Each group is given with its
    cluster ids."""
    parent: dict[int, int] = {}

    def find(c: int) -> int:
        parent.setdefault(c, c)
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    for signal in signals:
        ids = [cluster_of[a] for a in signal.account_ids]
        for other in ids:
            parent[find(other)] = find(ids[0])
    grouped: dict[int, tuple[set[int], list[_Signal]]] = {}
    lone: list[tuple[frozenset[int], list[_Signal]]] = []
    for signal in signals:
        if not signal.account_ids:
            lone.append((frozenset(), [signal]))
            continue
        clusters, members = grouped.setdefault(find(cluster_of[signal.account_ids[0]]), (set(), []))
        clusters.update(cluster_of[a] for a in signal.account_ids)
        members.append(signal)
    return [(frozenset(c), m) for c, m in grouped.values()] + lone


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
            "WHERE c.state <> %s ORDER BY ca.account_id, c.created_at, c.id",
            [sorted(account_ids), State.CLOSED],
        )
        return dict(cursor.fetchall())


def _by_group(groups: list[frozenset[int]]) -> tuple[list[int], list[int]]:
    """(group index, cluster id) pairs as two arrays, for unnest."""
    pairs = [(g, c) for g, clusters in enumerate(groups) for c in sorted(clusters)]
    return [g for g, _ in pairs], [c for _, c in pairs]


def _open_cases_of(groups: list[frozenset[int]]) -> dict[int, int]:
    """For each group of clusters (by index), the oldest open case linking any of their
    members."""
    indexes, clusters = _by_group(groups)
    if not indexes:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT ON (f.g) f.g, c.id FROM unnest(%s::int[], %s::bigint[]) AS f(g, k) "
            "JOIN accounts_clustermember m ON m.cluster_id = f.k "
            "JOIN accounts_caseaccount ca ON ca.account_id = m.account_id "
            "JOIN cases_case c ON c.id = ca.case_id "
            "WHERE c.state <> %s ORDER BY f.g, c.created_at, c.id",
            [indexes, clusters, State.CLOSED],
        )
        return dict(cursor.fetchall())


def _waiting_weak(groups: dict[int, frozenset[int]]) -> dict[int, list[_Signal]]:
    """For each group of clusters (by index), the routed weak signals waiting on its members
    without a case. A signal naming members of two groups waits in the first only."""
    indexes, clusters = _by_group([groups[g] for g in sorted(groups)])
    if not indexes:
        return {}
    back = sorted(groups)
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH w AS (SELECT DISTINCT ON (sa.signal_id) f.g, sa.signal_id "
            "  FROM unnest(%s::int[], %s::bigint[]) AS f(g, k) "
            "  JOIN accounts_clustermember m ON m.cluster_id = f.k "
            "  JOIN detection_signalaccount sa ON sa.account_id = m.account_id "
            "  JOIN detection_signal s ON s.id = sa.signal_id "
            "  WHERE s.case_id IS NULL AND s.routed_at IS NOT NULL AND s.routing_error = '' "
            "  AND NOT EXISTS (SELECT 1 FROM cases_pendingsignal p WHERE p.signal_id = s.id) "
            "  ORDER BY sa.signal_id, f.g) "
            "SELECT w.g, s.id, s.external_id, s.kind, s.severity, s.confidence, "
            "array_agg(sa.account_id ORDER BY sa.account_id) FROM w "
            "JOIN detection_signal s ON s.id = w.signal_id "
            "JOIN detection_signalaccount sa ON sa.signal_id = s.id "
            "GROUP BY w.g, s.id ORDER BY s.id",
            [indexes, clusters],
        )
        waiting: dict[int, list[_Signal]] = {}
        for g, *row in cursor.fetchall():
            waiting.setdefault(back[g], []).append(_Signal(*row))
        return waiting


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
    linked = case_accounts_link_many(links)
    events_append_many(
        kind="signals.attached",
        actor=ROUTING_ACTOR,
        data_by_case={
            case_id: {
                "reason": reason,
                "signals": sorted(s.external_id for s in signals),
                "signal_ids": sorted(s.id for s in signals),
                "accounts_linked": linked.get(case_id, []),
            }
            for case_id, (signals, reason) in attach.items()
        },
    )


def _divert_frozen(attach: dict[int, tuple[list[_Signal], str]]) -> list[_Signal]:
    """Routing leaves a frozen case alone (cases/freeze.py): its signals are held there as
    pending, or go to its follow-up case. Changes `attach`; returns the held signals."""
    diverted = cases_frozen_divert(
        signals_by_case={
            case_id: [(s.id, s.external_id) for s in signals]
            for case_id, (signals, _) in attach.items()
        }
    )
    held: list[_Signal] = []
    for case_id, follow_up in diverted.items():
        signals, _ = attach.pop(case_id)
        if follow_up is None:
            held.extend(signals)
        else:
            before, _ = attach.get(follow_up, ([], ""))
            attach[follow_up] = (before + signals, "follow-up of a frozen case")
    return held


class _ClustersMoved(Exception):
    """The accounts' clusters changed between reading them and locking them."""


class _CaseClosed(Exception):
    """A case read as open was closed before routing locked it."""


@transaction.atomic
def _route_groups(
    groups: list[tuple[frozenset[int], list[_Signal]]],
    cluster_of: dict[int, int],
    rules: Thresholds,
    direct: list[tuple[int, _Signal]],
) -> int:
    with connection.cursor() as cursor:
        clusters_lock(cursor, set(cluster_of.values()))
    # A merge may have committed between the read and the lock: the ids read may then be the
    # wrong locks (a dissolved cluster's). Once the locks are held, nothing moves these accounts.
    if _memberships(set(cluster_of)) != cluster_of:
        raise _ClustersMoved
    with connection.cursor() as cursor:
        # routed_at is tested here, not in WHERE: with it there the planner may scan the whole
        # partial index of unrouted signals, which is large exactly when routing falls behind.
        cursor.execute(
            "SELECT id, routed_at IS NULL FROM detection_signal WHERE id = ANY(%s) "
            "FOR UPDATE SKIP LOCKED",
            [[s.id for _, members in groups for s in members] + [s.id for _, s in direct]],
        )
        still = {row[0] for row in cursor.fetchall() if row[1]}
    direct = [(case_id, s) for case_id, s in direct if s.id in still]
    groups = [(c, [s for s in m if s.id in still]) for c, m in groups]
    groups = [(c, m) for c, m in groups if m]
    open_cases = _open_cases_of([c for c, _ in groups])
    # The cases' gate: their rows stay locked until the signals and events are in, so a case
    # cannot close halfway. One that closed since it was read sends the run back to the start.
    existing = set(open_cases.values()) | {case_id for case_id, _ in direct}
    if cases_lock_for_change_many(case_ids=existing) != existing:
        raise _CaseClosed
    pending = _waiting_weak(
        {i: clusters for i, (clusters, _) in enumerate(groups) if i not in open_cases}
    )
    attach: dict[int, tuple[list[_Signal], str]] = {}
    waiting: list[_Signal] = []

    def add(case_id: int, signals: list[_Signal], reason: str) -> None:
        before, _ = attach.get(case_id, ([], reason))
        attach[case_id] = (before + signals, reason)

    for case_id, signal in direct:
        add(case_id, [signal], "open case of the cluster")

    for index, (clusters, signals) in enumerate(groups):
        if index in open_cases:
            add(open_cases[index], signals, "open case of the cluster")
            continue
        strong = [s for s in signals if rules.is_strong(s.severity, s.confidence)]
        before = pending.get(index, [])
        if strong:
            add(_open_case(strong, why="strong signal").pk, signals + before, "strong signal")
            continue
        total = sum(signal_score(s.severity, s.confidence) for s in signals + before)
        if clusters and total >= rules.weak_case_score:
            everything = signals + before
            case = _open_case(everything, why=f"weak signals scored {total:.1f}")
            add(case.pk, everything, f"weak signals crossed {rules.weak_case_score:g}")
        else:
            waiting.extend(signals)
    waiting.extend(_divert_frozen(attach))
    if attach:
        _attach_all(attach)
    if waiting:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE detection_signal SET routed_at = now() WHERE id = ANY(%s)",
                [[s.id for s in waiting]],
            )
    return sum(len(m) for _, m in groups) + len(direct)


def signals_set_aside(*, reasons: dict[int, str]) -> int:
    """Mark these unrouted signals as routed without a case, with the reason routing could not
    route them: they stay visible (dashboard, verify_integrity) and stop holding back the
    signals behind them. Returns how many were set aside."""
    if not reasons:
        return 0
    ids = sorted(reasons)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE detection_signal AS s SET routed_at = now(), routing_error = f.reason "
            "FROM unnest(%s::bigint[], %s::text[]) AS f(id, reason) "
            "WHERE s.id = f.id AND s.routed_at IS NULL",
            [ids, [reasons[i][:1000] for i in ids]],
        )
        return cursor.rowcount


def signals_route(*, signal_ids: list[int]) -> int:
    """Route the given signals that nobody routed yet; returns how many this run routed.

    Not to be called inside a transaction that other routers must see: the cluster update and
    the routing each commit on their own, and the routing takes cluster locks only after the
    cluster writer's lock is let go, never the other way round."""
    for _ in range(ATTEMPTS):
        try:
            return _signals_route_once(signal_ids)
        except _CaseClosed:
            continue
    raise RuntimeError(f"cases kept closing under routing for {ATTEMPTS} attempts")


def _signals_route_once(signal_ids: list[int]) -> int:
    signals = _load(signal_ids)
    broken = {
        s.id: "linked to missing account id(s) " + ", ".join(map(str, sorted(s.dangling)))
        for s in signals
        if s.dangling
    }
    if broken:
        signals_set_aside(reasons=broken)
        signals = [s for s in signals if s.id not in broken]
    if not signals:
        return 0
    stale = {a for s in signals for a in s.unclustered}
    if stale:
        cluster_update_for_accounts(stale)
    # Most signals of a running campaign name accounts already linked to its open case: they
    # join it without looking at clusters, which only the others need.
    linked = _open_cases_linking({a for s in signals for a in s.account_ids})
    direct, rest = [], []
    for signal in signals:
        cases = [linked[a] for a in signal.account_ids if a in linked]
        if cases:
            direct.append((min(cases), signal))
        else:
            rest.append(signal)
    rules = Thresholds.current()
    accounts = {a for s in rest for a in s.account_ids}
    for _ in range(ATTEMPTS):
        cluster_of = _memberships(accounts)
        if missing := accounts - cluster_of.keys():
            # A full recompute that read the accounts before these were clustered rewrote
            # the memberships without them.
            cluster_update_for_accounts(missing)
            continue
        try:
            return _route_groups(_groups(rest, cluster_of), cluster_of, rules, direct)
        except _ClustersMoved:
            continue
    raise RuntimeError(f"clusters kept moving under routing for {ATTEMPTS} attempts")


class RoutingFailed(Exception):
    """No signal of a run could be routed: a fault of routing or its data as a whole (not one
    bad row), so nothing is set aside and the run is tried again later."""


def _route_halving(signal_ids: list[int], failed: dict[int, str]) -> int:
    try:
        return signals_route(signal_ids=signal_ids)
    except (OperationalError, InterfaceError):
        raise  # the database is unreachable: no row is to blame
    except Exception as exc:
        logger.warning("routing %d signal(s) failed: %r", len(signal_ids), exc)
        if len(signal_ids) == 1:
            failed[signal_ids[0]] = f"{type(exc).__name__}: {exc}"
            return 0
        half = len(signal_ids) // 2
        return _route_halving(signal_ids[:half], failed) + _route_halving(signal_ids[half:], failed)


def signals_route_isolating(*, signal_ids: list[int]) -> int:
    """Route these signals; if a run fails, halve it and route each half, down to single
    signals, and set aside each one that still fails, with its error. One bad row costs a few
    extra runs and never holds back the others, critical signals included. When nothing at all
    could be routed the fault is not one row's, and nothing is set aside (RoutingFailed)."""
    failed: dict[int, str] = {}
    routed = _route_halving(signal_ids, failed)
    if failed and not routed:
        first = next(iter(failed.values()))
        raise RoutingFailed(f"none of {len(signal_ids)} signal(s) could be routed: {first}")
    signals_set_aside(reasons=failed)
    return routed


def signals_route_pending(*, limit: int = 10_000) -> int:
    """Route the oldest unrouted signals, up to `limit`; how many were routed or set aside."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM detection_signal WHERE routed_at IS NULL ORDER BY received_at LIMIT %s",
            [limit],
        )
        ids = [row[0] for row in cursor.fetchall()]
    if not ids:
        return 0
    routed = signals_route_isolating(signal_ids=ids)
    if routed == len(ids):
        return routed
    # The drain loop stops at a run that routes nothing: signals set aside count as handled.
    return max(routed, _handled(ids))


def _handled(ids: list[int]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM detection_signal WHERE id = ANY(%s) AND routed_at IS NOT NULL",
            [ids],
        )
        return cursor.fetchone()[0]
