"""Which accounts belong together, for routing.

Two accounts are in one cluster when a chain of shared strong or medium attributes (payment or
device fingerprint, IP, phone, org id) connects them. A value shared by more than
QUARRY_HUB_THRESHOLD accounts (a proxy exit, a reseller's card) is a hub: it links nobody,
otherwise one proxy would merge a whole campaign and every unrelated customer behind it.

Routing asks only `account_clusters()`; when the accounts app keeps persistent clusters, this
function is the one place to change."""

from django.conf import settings
from django.db import connection

LINKING_TYPES = ["payment_fingerprint", "device_fingerprint", "ip", "phone", "org_id"]
MAX_CLUSTER_ACCOUNTS = 5000


def _hub_threshold() -> int:
    return getattr(settings, "QUARRY_HUB_THRESHOLD", 500)


class _Forest:
    def __init__(self):
        self.parent: dict = {}

    def find(self, node):
        parent = self.parent.setdefault(node, node)
        while parent != node:
            grand = self.parent[parent]
            self.parent[node] = grand
            node, parent = parent, grand
        return node

    def union(self, a, b) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


def _hubs(cursor, values: list[tuple[str, str]], threshold: int) -> set[tuple[str, str]]:
    cursor.execute(
        "SELECT q.t, q.v FROM unnest(%s::text[], %s::text[]) AS q(t, v) "
        "WHERE (SELECT count(*) FROM (SELECT 1 FROM accounts_accountattribute a "
        "       WHERE a.type = q.t AND a.value = q.v LIMIT %s) AS x) > %s",
        [[t for t, _ in values], [v for _, v in values], threshold + 1, threshold],
    )
    return {(t, v) for t, v in cursor.fetchall()}


def account_clusters(account_ids) -> list[frozenset[int]]:
    """The clusters the given accounts belong to, each with all of its accounts (also those
    not given). An account without linking attributes is a cluster of its own."""
    seeds = {int(a) for a in account_ids}
    if not seeds:
        return []
    forest = _Forest()
    threshold = _hub_threshold()
    seen: set[int] = set(seeds)
    known_values: set[tuple[str, str]] = set()
    frontier = set(seeds)
    with connection.cursor() as cursor:
        while frontier and len(seen) < MAX_CLUSTER_ACCOUNTS:
            # LATERAL: one index probe per account; a plain `account_id = ANY(...)` lets the
            # planner intersect with the (type, value) index, which reads every IP in the table.
            cursor.execute(
                "SELECT DISTINCT x.type, x.value FROM unnest(%s::bigint[]) AS f(id) "
                "CROSS JOIN LATERAL (SELECT a.type, a.value FROM accounts_accountattribute a "
                "WHERE a.account_id = f.id AND a.type = ANY(%s)) AS x",
                [list(frontier), LINKING_TYPES],
            )
            values = [tuple(row) for row in cursor.fetchall() if tuple(row) not in known_values]
            if not values:
                break
            known_values.update(values)
            hubs = _hubs(cursor, values, threshold)
            linking = [v for v in values if v not in hubs]
            if not linking:
                break
            cursor.execute(
                "SELECT a.type, a.value, a.account_id FROM accounts_accountattribute a "
                "JOIN unnest(%s::text[], %s::text[]) AS q(t, v) ON a.type = q.t AND a.value = q.v",
                [[t for t, _ in linking], [v for _, v in linking]],
            )
            frontier = set()
            for kind, value, account_id in cursor.fetchall():
                forest.union(("value", kind, value), account_id)
                if account_id not in seen:
                    seen.add(account_id)
                    frontier.add(account_id)
    members: dict = {}
    for account_id in seen:
        members.setdefault(forest.find(account_id), set()).add(account_id)
    return [frozenset(m) for m in members.values() if m & seeds]
