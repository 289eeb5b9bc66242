"""Clusters: connected components of accounts over strong and medium links, hubs excluded.

Both the full recompute and the incremental update run the same three steps:
1. read the linking values from PostgreSQL — the database groups attribute values, drops weak
   types and hubs, and sends each linking value's holders;
2. compute connected components of the graph of accounts and values (scipy's csgraph over a
   sparse adjacency matrix, which the values as read already are);
3. match the new components to the old clusters by maximum overlap, so that a cluster keeping
   most of its members keeps its id, and write back only what changed (COPY into a temporary
   table, then one set-based statement per table; a full recompute moving most memberships
   reloads the membership table in bulk instead, see _rewrite_memberships).

The incremental update reads its neighbourhood once: the walk that finds the affected accounts
collects the linking values and memberships it clusters.

All writers of clusters hold one advisory lock, so an incremental update never interleaves with
another one or with a full recompute; the primary key of ClusterMember (the account) makes "one
cluster per account" hold whatever happens.

Readers that act on a cluster as a whole (routing a signal into the open case of its cluster)
hold `clusters_lock` on the clusters they read; a writer takes the same lock on every cluster it
changes before it writes. So what a holder read about its clusters' members stays true until it
commits, and a writer merging two clusters waits for whoever is acting on either.
"""

import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from django.db import DatabaseError, connection, transaction
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from core.locks import CLUSTER_STRIPE, CLUSTER_WRITERS, advisory_xact_lock_many

from .models import CLUSTERING_STRENGTHS, effective_weights

log = logging.getLogger(__name__)

# The lock "cluster N is being acted on" (core.locks.CLUSTER_STRIPE) has the cluster id folded
# into a fixed number of stripes as its second key, so that a full recompute changing every
# cluster takes a bounded number of locks (PostgreSQL's lock table is small). Two clusters of one
# stripe only wait for each other needlessly. Writers of clusters also hold CLUSTER_WRITERS.
CLUSTER_LOCK_STRIPES = 1024
REWRITE_FRACTION = 0.2  # a full recompute moving more accounts than this rewrites the table

# Linking values: of a strong or medium type, held by 2 to hub_threshold accounts. Types and
# thresholds come as parameters (a join would hide them from the planner, which then sorts all
# attributes instead of walking the (type, value, account) index). One type at a time, each with
# its own threshold: within a type the index is in value order, so the grouping compares values
# only. Each value yields its holder count and its holders packed as big-endian int8; the outer
# aggregate concatenates them, so the whole graph crosses the wire as two bytea values instead
# of hundreds of thousands of rows.
_LINKING_VALUES = """
    SELECT g.holders, g.ids
    FROM unnest(%(types)s::text[], %(limits)s::int[]) AS t(type, hub_threshold)
    CROSS JOIN LATERAL (
        SELECT count(*)::int AS holders, string_agg(int8send(a.account_id), ''::bytea) AS ids
        FROM accounts_accountattribute a
        WHERE a.type = t.type
        GROUP BY a.value
        HAVING count(*) BETWEEN 2 AND t.hub_threshold) g
"""
_PACKED_VALUES = (
    "SELECT coalesce(string_agg(int4send(holders), ''::bytea), ''::bytea), "
    "coalesce(string_agg(ids, ''::bytea), ''::bytea) FROM ({linking}) v"
)


@dataclass
class Links:
    """The linking values, one after another: `sizes[i]` holders for the i-th value, whose
    holders are the next `sizes[i]` entries of `holders`."""

    sizes: np.ndarray
    holders: np.ndarray

    @classmethod
    def packed(cls, sizes_raw: bytes, ids_raw: bytes) -> "Links":
        return cls(
            np.frombuffer(sizes_raw, dtype=">i4").astype(np.int64),
            np.frombuffer(ids_raw, dtype=">i8").astype(np.int64),
        )

    @classmethod
    def joined(cls, parts: "list[Links]") -> "Links":
        return cls(
            np.concatenate([p.sizes for p in parts] or [np.zeros(0, dtype=np.int64)]),
            np.concatenate([p.holders for p in parts] or [np.zeros(0, dtype=np.int64)]),
        )


def _read_links(cursor, params: dict) -> Links:
    """Every linking value, with its holders."""
    cursor.execute(_PACKED_VALUES.format(linking=_LINKING_VALUES), params)
    return Links.packed(*cursor.fetchone())


Progress = Callable[[int, str], None]


def _noop(percent: int, phase: str) -> None:
    return None


@dataclass
class ClusterResult:
    accounts: int = 0
    clusters: int = 0
    created: int = 0
    kept: int = 0
    dissolved: int = 0
    moved: int = 0


# --- binary COPY in and out -------------------------------------------------------------

_PGCOPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
_PGCOPY_TRAILER = b"\xff\xff"


def _read_int8(cursor, sql: str, params: dict | None, columns: int) -> list[np.ndarray]:
    """Rows of `columns` bigints from `sql`, as one int64 array per column. PostgreSQL packs
    them into a single bytea (int8send is big-endian), so the whole result crosses the wire as
    one value and numpy reads it without a Python loop; row-by-row transfer would cost more
    than the clustering itself."""
    packed = " || ".join(f"int8send(r.c{i})" for i in range(columns))
    names = ", ".join(f"c{i}" for i in range(columns))
    cursor.execute(
        f"SELECT coalesce(string_agg({packed}, ''::bytea), ''::bytea) FROM ({sql}) AS r({names})",
        params,
    )
    raw = cursor.fetchone()[0]
    values = np.frombuffer(raw, dtype=">i8").astype(np.int64).reshape(-1, columns)
    return [values[:, i].copy() for i in range(columns)]


def _copy_in_int8(
    cursor, table: str, columns: Iterable[np.ndarray], *, freeze: bool = False
) -> None:
    """COPY rows of 8-byte columns into `table` (a name, optionally with a column list) in
    PostgreSQL's binary format, built by numpy in one buffer. Besides bigint, a column may be a
    timestamptz given as microseconds since 2000-01-01 UTC (its binary form is the same int8).
    `freeze` (only for a table truncated earlier in the same transaction) writes the rows
    frozen and marks their pages all-visible."""
    columns = list(columns)
    count = len(columns[0]) if columns else 0
    dtype = [("n", ">i2")]
    for i in range(len(columns)):
        dtype += [(f"l{i}", ">i4"), (f"c{i}", ">i8")]
    rows = np.empty(count, dtype=np.dtype(dtype))
    rows["n"] = len(columns)
    for i, column in enumerate(columns):
        rows[f"l{i}"] = 8
        rows[f"c{i}"] = column
    options = "FORMAT binary, FREEZE" if freeze else "FORMAT binary"
    with cursor.copy(f"COPY {table} FROM STDIN ({options})") as copy:
        copy.write(_PGCOPY_HEADER + rows.tobytes() + _PGCOPY_TRAILER)


# --- components and identity ------------------------------------------------------------


def _positions(account_ids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Index of each wanted id in the sorted `account_ids`, -1 where absent."""
    if len(account_ids) == 0:
        return np.full(len(wanted), -1, dtype=np.int64)
    low, high = int(account_ids[0]), int(account_ids[-1])
    if high - low < 4 * len(account_ids):
        # Ids from a sequence are dense: a lookup table beats a binary search.
        table = np.full(high - low + 1, -1, dtype=np.int64)
        table[account_ids - low] = np.arange(len(account_ids))
        inside = (wanted >= low) & (wanted <= high)
        found = np.full(len(wanted), -1, dtype=np.int64)
        found[inside] = table[wanted[inside] - low]
        return found
    at = np.minimum(np.searchsorted(account_ids, wanted), len(account_ids) - 1)
    return np.where(account_ids[at] == wanted, at, -1)


def components(account_ids: np.ndarray, links: Links) -> np.ndarray:
    """Component label (0..k-1) of each account in `account_ids` (sorted, unique)."""
    n = len(account_ids)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    # The graph of accounts and values, an edge from each value to each of its holders: its
    # adjacency matrix in CSR form is the links as read (a row per value, after a row per
    # account with nothing in it), so it needs no sorting to build. Weak components of this
    # directed graph are the components of the undirected one.
    # Statements see different snapshots: a holder may be an account committed after the
    # account list was read. Such holders are left to the update that new account triggers.
    at = _positions(account_ids, links.holders)
    sizes = links.sizes
    if (at < 0).any():
        value_of = np.repeat(np.arange(len(sizes)), sizes)
        sizes = np.bincount(value_of[at >= 0], minlength=len(sizes))
        at = at[at >= 0]
    m = len(sizes)
    indptr = np.zeros(n + m + 1, dtype=np.int64)
    np.cumsum(sizes, out=indptr[n + 1 :])
    graph = csr_matrix((np.ones(len(at), dtype=np.int8), at, indptr), shape=(n + m, n + m))
    _, labels = connected_components(graph, directed=True, connection="weak")
    # Number the accounts' components 0..k-1 (a value left without holders is a component of
    # its own, with no account in it).
    labels = labels[:n]
    used = np.zeros(int(labels.max()) + 1, dtype=bool)
    used[labels] = True
    number = np.cumsum(used) - 1
    return number[labels].astype(np.int64)


def _old_clusters(
    account_ids: np.ndarray, member_ids: np.ndarray, member_clusters: np.ndarray
) -> np.ndarray:
    """The current cluster id of each account (-1: none yet)."""
    old = np.full(len(account_ids), -1, dtype=np.int64)
    at = _positions(account_ids, member_ids)
    old[at[at >= 0]] = member_clusters[at >= 0]
    return old


def match_clusters(labels: np.ndarray, old: np.ndarray) -> tuple[np.ndarray, dict[int, int]]:
    """Give each component an old cluster id (or -1 for "new") by maximum overlap: pairs of
    (component, old cluster) are taken greedily from the largest overlap down, each side at most
    once. So a cluster that keeps most of its members keeps its id, the larger part of a split
    keeps the id, and in a merge the cluster contributing most members survives.

    Returns (cluster id per component, {dissolved old id: component it went to})."""
    k = int(labels.max()) + 1 if len(labels) else 0
    assigned = np.full(k, -1, dtype=np.int64)
    had = old >= 0
    if not had.any():
        return assigned, {}
    old_ids, old_index = np.unique(old[had], return_inverse=True)
    keys, counts = np.unique(labels[had] * len(old_ids) + old_index, return_counts=True)
    unique = np.stack([keys // len(old_ids), old_ids[keys % len(old_ids)]], axis=1)
    # Largest overlap first; ties go to the older (smaller) cluster id for determinism.
    order = np.lexsort((unique[:, 1], -counts))
    taken_old: set[int] = set()
    for component, old_id in unique[order].tolist():
        if assigned[component] == -1 and old_id not in taken_old:
            assigned[component] = old_id
            taken_old.add(old_id)
    dissolved = {}
    for component, old_id in unique[order].tolist():
        if old_id not in taken_old and old_id not in dissolved:
            dissolved[old_id] = component
    return assigned, dissolved


# --- the shared pipeline ----------------------------------------------------------------


def link_params() -> dict[str, list]:
    """The attribute types that link accounts into clusters, with their hub thresholds."""
    linking = [w for w in effective_weights().values() if w.strength in CLUSTERING_STRENGTHS]
    return {"types": [w.type for w in linking], "limits": [w.hub_threshold for w in linking]}


def clusters_lock(cursor, cluster_ids: Iterable[int]) -> None:
    """Take the transaction-level lock of these clusters, in stripe order so that two holders
    never wait on each other in a cycle. Held until the transaction ends."""
    advisory_xact_lock_many(
        cursor, CLUSTER_STRIPE, {int(c) % CLUSTER_LOCK_STRIPES for c in cluster_ids}
    )


def _lock_session() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [CLUSTER_WRITERS])


def _unlock_session() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s)", [CLUSTER_WRITERS])


def _lock_transaction() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CLUSTER_WRITERS])


_PG_EPOCH_US = "(extract(epoch FROM {0}) * 1000000)::int8 - 946684800000000"


def _rewrite_memberships(
    cursor, account_ids: np.ndarray, cluster_of_account: np.ndarray, old: np.ndarray
) -> None:
    """Replace the whole membership table the way a bulk load does: drop its constraints and
    indexes, TRUNCATE, load the rows straight in, and build the constraints and indexes again,
    each in one pass. Inserting row by row into a unique index, with a foreign-key check per
    row, costs several times more than building and validating once. All of it happens in one
    transaction, so no committed state ever lacks the one-cluster-per-account key; readers wait
    on the table lock for the moment it takes."""
    # An account that stays in its cluster keeps the date it joined it; the others join now,
    # the column's default (loading two columns instead of three is a third cheaper).
    # (The memberships cannot change between the read and this write: every writer holds the
    # cluster lock.)
    stayed = cluster_of_account == old
    kept_since = np.zeros(0, dtype=np.int64)
    if stayed.any():
        kept_ids, since = _read_int8(
            cursor,
            f"SELECT account_id, {_PG_EPOCH_US.format('since')} FROM accounts_clustermember",
            None,
            2,
        )
        at = _positions(account_ids, kept_ids)
        keep = at >= 0
        dated = np.zeros(len(account_ids), dtype=bool)
        dated[at[keep]] = True
        since_of_account = np.zeros(len(account_ids), dtype=np.int64)
        since_of_account[at[keep]] = since[keep]
        stayed &= dated
        kept_since = since_of_account[stayed]
    # Dropping the keys and indexes and truncating needs the table's owner, which the app login
    # is not: the owner's functions (accounts migration 0008) do it before the COPY and build
    # them again after it, from the catalogue, never from anything passed in.
    cursor.execute("SELECT quarry_clustermember_reload_begin()")
    # Frozen, all-visible pages: the foreign-key validation below and the next reads skip the
    # per-row visibility checks, and vacuum has nothing left to do. Sessions wait on TRUNCATE's
    # lock until this commits; one whose snapshot is older then sees the new rows, as it would
    # after the TRUNCATE alone (TRUNCATE is not MVCC-safe either).
    moved = ~stayed
    _copy_in_int8(
        cursor,
        "accounts_clustermember (account_id, cluster_id)",
        [account_ids[moved], cluster_of_account[moved]],
        freeze=True,
    )
    if stayed.any():
        _copy_in_int8(
            cursor,
            "accounts_clustermember (account_id, cluster_id, since)",
            [account_ids[stayed], cluster_of_account[stayed], kept_since],
            freeze=True,
        )
    cursor.execute("SELECT quarry_clustermember_reload_end()")


def _write(
    cursor,
    account_ids: np.ndarray,
    labels: np.ndarray,
    old: np.ndarray,
    result: ClusterResult,
    *,
    whole_table: bool = False,
) -> None:
    assigned, dissolved = match_clusters(labels, old)
    new_components = np.flatnonzero(assigned == -1)
    if len(new_components):
        (assigned[new_components],) = _read_int8(
            cursor,
            "SELECT nextval(pg_get_serial_sequence('accounts_cluster', 'id')) "
            "FROM generate_series(1, %(count)s)",
            {"count": len(new_components)},
            1,
        )
    cluster_of_account = assigned[labels]
    sizes = np.bincount(labels, minlength=len(assigned))

    cursor.execute(
        "CREATE TEMP TABLE IF NOT EXISTS cluster_sizes (id bigint, size bigint) ON COMMIT DROP; "
        "CREATE TEMP TABLE IF NOT EXISTS cluster_moves (account_id bigint, cluster_id bigint) "
        "ON COMMIT DROP; TRUNCATE cluster_sizes, cluster_moves"
    )
    _copy_in_int8(cursor, "cluster_sizes", [assigned, sizes])
    cursor.execute(
        "INSERT INTO accounts_cluster (id, size, created_at, updated_at) "
        "SELECT id, size, now(), now() FROM cluster_sizes "
        "ON CONFLICT (id) DO UPDATE SET size = excluded.size, updated_at = now(), "
        "dissolved_at = NULL, merged_into_id = NULL "
        "WHERE accounts_cluster.size <> excluded.size OR accounts_cluster.dissolved_at IS NOT NULL"
    )
    changed = cluster_of_account != old
    # Whoever acts on a cluster that loses or gains members finishes first (see clusters_lock).
    touched = np.concatenate([old[changed], cluster_of_account[changed]])
    clusters_lock(cursor, np.unique(touched[touched >= 0]).tolist())
    if whole_table and changed.sum() > REWRITE_FRACTION * len(account_ids):
        _rewrite_memberships(cursor, account_ids, cluster_of_account, old)
    else:
        _copy_in_int8(cursor, "cluster_moves", [account_ids[changed], cluster_of_account[changed]])
        cursor.execute(
            "INSERT INTO accounts_clustermember (account_id, cluster_id, since) "
            "SELECT account_id, cluster_id, now() FROM cluster_moves "
            "ON CONFLICT (account_id) DO UPDATE SET cluster_id = excluded.cluster_id, "
            "since = now()"
        )
    if dissolved:
        old_ids = np.fromiter(dissolved.keys(), dtype=np.int64)
        into = assigned[np.fromiter(dissolved.values(), dtype=np.int64)]
        cursor.execute(
            "UPDATE accounts_cluster c SET size = 0, dissolved_at = now(), updated_at = now(), "
            "merged_into_id = d.target FROM unnest(%s::bigint[], %s::bigint[]) AS d(id, target) "
            "WHERE c.id = d.id",
            [old_ids.tolist(), into.tolist()],
        )
    result.accounts = len(account_ids)
    result.clusters = len(assigned)
    result.created = len(new_components)
    result.kept = len(assigned) - len(new_components)
    result.dissolved = len(dissolved)
    result.moved = int(changed.sum())


@dataclass
class _Graph:
    """What a full recompute reads: every account, linking value and membership."""

    accounts: np.ndarray  # sorted
    links: Links
    member_ids: np.ndarray
    member_clusters: np.ndarray


def _read_types(cursor, work: list[tuple[str, int]], lock: threading.Lock) -> list[Links]:
    """The linking values of the types left in `work`, taken one at a time until none is left
    (the two connections of a parallel read share the list)."""
    read = []
    while True:
        with lock:
            if not work:
                return read
            type_, limit = work.pop()
        read.append(_read_links(cursor, {"types": [type_], "limits": [limit]}))


def _read_accounts(cursor) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every account id (sorted), and every membership (account, cluster)."""
    (account_ids,) = _read_int8(cursor, "SELECT id FROM accounts_account ORDER BY id", None, 1)
    member_ids, member_clusters = _read_int8(
        cursor, "SELECT account_id, cluster_id FROM accounts_clustermember", None, 2
    )
    return account_ids, member_ids, member_clusters


def _read_beside(snapshot: str, work: list[tuple[str, int]], lock: threading.Lock):
    """The helper's half of a parallel read, on a connection of its own (this thread's) that
    sees exactly the snapshot the main connection exported: the accounts and memberships, then
    linking types from the shared list. None, having taken nothing from the list, if no
    connection can be had (the server's or the role's connection limit, say): the caller then
    reads it all."""
    try:
        try:
            connection.ensure_connection()
        except DatabaseError as exc:
            log.warning("cluster recompute: no second connection (%s); reading on one", exc)
            return None
        with transaction.atomic(), connection.cursor() as wrapper:
            cursor = wrapper.cursor
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("SET TRANSACTION SNAPSHOT %s", [snapshot])
            cursor.execute("SET LOCAL work_mem = '64MB'")
            accounts = _read_accounts(cursor)
            return accounts, _read_types(cursor, work, lock)
    finally:
        connection.close()


def _read_graph(outermost: bool) -> _Graph:
    """Every account, linking value and membership, as of one snapshot.

    Run on its own (not inside a caller's transaction), the read is split over two connections
    that share one snapshot (pg_export_snapshot): a helper thread reads the accounts and
    memberships while this connection starts on the linking values, and both then take the
    remaining linking types one at a time. On two cores the read takes about the time of the
    larger half instead of the sum. If no second connection can be had, this connection reads
    it all. Inside a caller's transaction a second connection would not see what that
    transaction wrote, so the read stays on this connection."""
    params = link_params()
    work = list(zip(params["types"], params["limits"], strict=True))
    lock = threading.Lock()
    with transaction.atomic(), connection.cursor() as wrapper:
        cursor = wrapper.cursor
        if outermost:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("SET LOCAL work_mem = '64MB'")
        if not outermost:
            accounts = _read_accounts(cursor)
            links = _read_types(cursor, work, lock)
        else:
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot,) = cursor.fetchone()
            # The helper must be done before this transaction ends: the snapshot lives only as
            # long as the transaction that exported it (leaving the pool waits for the helper).
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="cluster-read") as pool:
                beside = pool.submit(_read_beside, snapshot, work, lock)
                links = _read_types(cursor, work, lock)
                helped = beside.result()
            if helped is None:  # no second connection: the accounts too, on this one
                accounts = _read_accounts(cursor)
            else:
                accounts, theirs = helped
                links += theirs
    account_ids, member_ids, member_clusters = accounts
    return _Graph(account_ids, Links.joined(links), member_ids, member_clusters)


def cluster_recompute_all(*, progress: Progress = _noop) -> ClusterResult:
    """Recompute every cluster from scratch. Holds the cluster lock (a session lock) for its
    whole run, so incremental updates wait; the graph is read in one repeatable-read snapshot,
    progress is committed between phases, and the write is one transaction."""
    result = ClusterResult()
    _lock_session()
    try:
        progress(5, "reading the attribute graph")
        outermost = not connection.in_atomic_block
        graph = _read_graph(outermost)
        account_ids, links = graph.accounts, graph.links
        member_ids, member_clusters = graph.member_ids, graph.member_clusters
        progress(50, "computing components")
        labels = components(account_ids, links)
        old = _old_clusters(account_ids, member_ids, member_clusters)
        progress(65, "writing clusters")
        with transaction.atomic(), connection.cursor() as wrapper:
            cursor = wrapper.cursor
            if outermost:
                # Memberships are derived data: a recompute rebuilds them from the attributes.
                # So this commit need not wait for its WAL to reach the disk; a crash in that
                # instant loses only this recompute (the previous clusters stay), never
                # anything else, and the next synchronous commit flushes it anyway.
                cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            _write(cursor, account_ids, labels, old, result, whole_table=True)
            # Memberships of accounts deleted meanwhile went with them; so may whole clusters.
            cursor.execute(
                "UPDATE accounts_cluster c SET size = 0, dissolved_at = now(), updated_at = now() "
                "WHERE c.dissolved_at IS NULL AND NOT EXISTS "
                "(SELECT 1 FROM accounts_clustermember m WHERE m.cluster_id = c.id)"
            )
    finally:
        _unlock_session()
    progress(100, "done")
    return result


# The linking-type values of some accounts, read account by account from the (account, type,
# value) index: given thousands of accounts at once (a campaign's first minute),
# `account_id = ANY(...)` let the planner scan every value of the linking types instead.
_CANDIDATE_VALUES = """
    WITH candidates AS (
        SELECT DISTINCT x.type, x.value,
            (%(limits)s::int[])[array_position(%(types)s::text[], x.type::text)] AS hub_threshold
        FROM unnest(%(accounts)s::bigint[]) AS s(id)
        CROSS JOIN LATERAL (
            SELECT type, value FROM accounts_accountattribute
            WHERE account_id = s.id AND type = ANY(%(types)s::text[]) OFFSET 0) x)
"""

# Those values with their holder count, counting a value's holders only up to `ceiling` past
# its hub threshold: a hub shared by 20,000 accounts costs a few hundred index entries to
# recognise, not 20,000.
_VALUES_OF_ACCOUNTS = (
    _CANDIDATE_VALUES
    + """
    SELECT c.type, c.value, c.hub_threshold, n.holders FROM candidates c
    CROSS JOIN LATERAL (SELECT count(*) AS holders FROM (
        SELECT 1 FROM accounts_accountattribute b WHERE b.type = c.type AND b.value = c.value
        LIMIT c.hub_threshold + %(ceiling)s + 1) x) n
"""
)

# Those of them that link (2 to hub-threshold holders), each with its holders, in the shape of
# _LINKING_VALUES: one walk of the (type, value, account) index per value both counts and
# collects the holders (at most hub threshold + 1 of them, so a hub still costs little).
_LINKING_VALUES_OF_ACCOUNTS = (
    _CANDIDATE_VALUES
    + """
    SELECT n.holders, n.ids FROM candidates c
    CROSS JOIN LATERAL (
        SELECT count(*)::int AS holders, string_agg(int8send(h.account_id), ''::bytea) AS ids
        FROM (SELECT b.account_id FROM accounts_accountattribute b
              WHERE b.type = c.type AND b.value = c.value LIMIT c.hub_threshold + 1) h) n
    WHERE n.holders BETWEEN 2 AND c.hub_threshold
"""
)


def _links_of_accounts(cursor, params: dict, accounts: list[int]) -> Links:
    """Every linking value that these accounts hold, with all its holders."""
    cursor.execute(
        _PACKED_VALUES.format(linking=_LINKING_VALUES_OF_ACCOUNTS), {**params, "accounts": accounts}
    )
    return Links.packed(*cursor.fetchone())


@dataclass
class _Neighbourhood:
    """What an incremental update needs about the accounts it may change."""

    accounts: np.ndarray  # sorted
    links: Links  # the linking values they hold
    member_ids: np.ndarray  # their current memberships
    member_clusters: np.ndarray


def _affected_accounts(cursor, seeds: list[int]) -> _Neighbourhood:
    """The smallest set holding the seeds that is closed under linking values and under old
    cluster membership: every component and every old cluster touching it lies inside it.

    A value this batch may have just pushed past its hub threshold (at most len(seeds) holders
    past it) stopped linking its holders, whose clusters may now split: they join the set too.

    Every account of the set passes through the frontier once, so the walk has read every
    linking value the set holds (with all its holders) and the membership of every account of
    the set: those values and memberships are what the update clusters, without reading them
    again."""
    params = link_params()
    cursor.execute(
        "SELECT b.account_id FROM (" + _VALUES_OF_ACCOUNTS + ") v "
        "JOIN accounts_accountattribute b ON b.type = v.type AND b.value = v.value "
        "WHERE v.holders > v.hub_threshold AND v.holders <= v.hub_threshold + %(ceiling)s",
        {**params, "accounts": seeds, "ceiling": len(seeds)},
    )
    known = set(seeds) | {row[0] for row in cursor.fetchall()}
    frontier = list(known)
    read: list[Links] = []
    memberships: list[tuple[np.ndarray, np.ndarray]] = []
    in_read_clusters: set[int] = set()
    while frontier:
        links = _links_of_accounts(cursor, params, frontier)
        read.append(links)
        found = set(links.holders.tolist())
        # A cluster already read has all its members in the set: only accounts outside those
        # can lead to another cluster (memberships cannot change while we hold the lock).
        unread = [a for a in frontier if a not in in_read_clusters]
        if unread:
            members = _read_int8(
                cursor,
                "SELECT account_id, cluster_id FROM accounts_clustermember WHERE cluster_id = "
                "ANY(ARRAY(SELECT DISTINCT cluster_id FROM accounts_clustermember "
                "WHERE account_id = ANY(%(unread)s)))",
                {"unread": unread},
                2,
            )
            memberships.append((members[0], members[1]))
            in_read_clusters.update(members[0].tolist())
            found.update(members[0].tolist())
        frontier = list(found - known)
        known |= found
    memberships.append((np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)))
    member_ids, at = np.unique(np.concatenate([m[0] for m in memberships]), return_index=True)
    return _Neighbourhood(
        accounts=np.array(sorted(known), dtype=np.int64),
        links=Links.joined(read),
        member_ids=member_ids,
        member_clusters=np.concatenate([m[1] for m in memberships])[at],
    )


@transaction.atomic
def cluster_update_for_accounts(account_ids: Iterable[int]) -> ClusterResult:
    """Bring the clusters of these accounts (new accounts, or accounts with new attributes) up to
    date, as a full recompute would. Called by signal ingestion after it stores accounts and
    attributes, in the same transaction or after it."""
    result = ClusterResult()
    seeds = sorted({int(a) for a in account_ids})
    if not seeds:
        return result
    _lock_transaction()
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor
        cursor.execute("SELECT id FROM accounts_account WHERE id = ANY(%s)", [seeds])
        seeds = [row[0] for row in cursor.fetchall()]
        if not seeds:
            return result
        near = _affected_accounts(cursor, seeds)
        labels = components(near.accounts, near.links)
        old = _old_clusters(near.accounts, near.member_ids, near.member_clusters)
        _write(cursor, near.accounts, labels, old, result)
    return result
