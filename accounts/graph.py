"""The graph view's data: accounts and the values they share, for a case or a cluster.

Up to DETAIL_LIMIT accounts, every account is a node and every value shared by two of them is a
node, with an edge to each holder; a hub value is one collapsed node without its fan of edges.
Beyond that (a campaign case holds tens of thousands of accounts), the graph is aggregated:
one node per cluster (how many of its accounts are here, how many are banned or suspended) and
one node per hub, with an edge where a cluster's accounts use the hub. Both come from a few
set-based queries, so a 25,000-account case answers well within a second."""

from django.db import connection
from django.urls import reverse

from .models import AttributeType, effective_weights
from .selectors import short_value

DETAIL_LIMIT = 500
MAX_HUBS = 25


def _value_label(type_: str, value: str) -> str:
    return f"{AttributeType(type_).label}: {short_value(type_, value)}"


def _hubs(cursor, scope_sql: str, params: list) -> list[tuple[str, str, int, int]]:
    """Values shared by two or more accounts in scope whose holders in all pass the type's hub
    threshold, most used here first: (type, value, holders here, holders in all). Candidates
    are walked in that order and each is counted only up to its threshold, so the walk stops
    after MAX_HUBS hubs and a 20,000-holder hub costs a few hundred index entries."""
    w = effective_weights()
    types = list(w)
    limits = [w[t].hub_threshold for t in types]
    cursor.execute(
        f"WITH scope AS ({scope_sql}), "
        "vals AS (SELECT a.type, a.value, count(*) AS here, "
        " (%s::int[])[array_position(%s::text[], a.type::text)] AS threshold "
        " FROM accounts_accountattribute a JOIN scope s ON s.account_id = a.account_id "
        " GROUP BY a.type, a.value HAVING count(*) > 1 ORDER BY count(*) DESC) "
        "SELECT v.type, v.value, v.here FROM vals v CROSS JOIN LATERAL "
        "(SELECT count(*) AS total FROM (SELECT 1 FROM accounts_accountattribute b "
        " WHERE b.type = v.type AND b.value = v.value LIMIT v.threshold + 1) x) t "
        "WHERE t.total > v.threshold LIMIT %s",
        [*params, limits, types, MAX_HUBS],
    )
    result = []
    for type_, value, here in cursor.fetchall():
        cursor.execute(
            "SELECT count(*) FROM accounts_accountattribute WHERE type = %s AND value = %s",
            [type_, value],
        )
        result.append((type_, value, here, cursor.fetchone()[0]))
    return result


def _hub_node(type_: str, value: str, here: int, total: int) -> dict:
    return {
        "data": {
            "id": f"hub:{type_}:{value}",
            "kind": "hub",
            "label": f"hub · {_value_label(type_, value)}\n{total:,} accounts, {here:,} here",
            "here": here,
            "total": total,
        }
    }


def _detailed(cursor, scope_sql: str, params: list) -> dict:
    cursor.execute(
        f"WITH scope AS ({scope_sql}) SELECT a.id, a.external_id, a.platform_status, s.role, "
        "m.cluster_id FROM scope s JOIN accounts_account a ON a.id = s.account_id "
        "LEFT JOIN accounts_clustermember m ON m.account_id = a.id",
        params,
    )
    nodes, edges = [], []
    for pk, external_id, status, role, cluster_id in cursor.fetchall():
        nodes.append(
            {
                "data": {
                    "id": f"a{pk}",
                    "kind": "account",
                    "label": external_id,
                    "status": status,
                    "role": role or "",
                    "cluster": cluster_id,
                    "href": reverse("accounts:detail", args=[pk]),
                }
            }
        )
    hubs = _hubs(cursor, scope_sql, params)
    hub_keys = {(t, v) for t, v, _, _ in hubs}
    nodes.extend(_hub_node(*h) for h in hubs)
    w = effective_weights()
    cursor.execute(
        f"WITH scope AS ({scope_sql}) SELECT a.type, a.value, array_agg(a.account_id) "
        "FROM accounts_accountattribute a JOIN scope s ON s.account_id = a.account_id "
        "GROUP BY a.type, a.value HAVING count(*) > 1",
        params,
    )
    for type_, value, holders in cursor.fetchall():
        if (type_, value) in hub_keys:
            continue
        node_id = f"v:{type_}:{value}"
        strength = w[type_].strength if type_ in w else "weak"
        nodes.append(
            {
                "data": {
                    "id": node_id,
                    "kind": "value",
                    "label": _value_label(type_, value),
                    "strength": strength,
                }
            }
        )
        edges.extend(
            {"data": {"source": f"a{h}", "target": node_id, "strength": strength}} for h in holders
        )
    return {"mode": "detailed", "nodes": nodes, "edges": edges}


def _aggregated(cursor, scope_sql: str, params: list, total: int) -> dict:
    cursor.execute(
        f"WITH scope AS ({scope_sql}) SELECT m.cluster_id, count(*), "
        "count(*) FILTER (WHERE a.platform_status = 'banned'), "
        "count(*) FILTER (WHERE a.platform_status = 'suspended'), "
        "count(*) FILTER (WHERE s.role = 'primary_suspect'), max(c.size) "
        "FROM scope s JOIN accounts_account a ON a.id = s.account_id "
        "LEFT JOIN accounts_clustermember m ON m.account_id = s.account_id "
        "LEFT JOIN accounts_cluster c ON c.id = m.cluster_id GROUP BY m.cluster_id",
        params,
    )
    nodes, edges = [], []
    for cluster_id, here, banned, suspended, suspects, size in cursor.fetchall():
        if cluster_id is None:
            node_id, label, href = "unclustered", f"not clustered yet · {here:,}", ""
        else:
            node_id = f"c{cluster_id}"
            label = f"C-{cluster_id} · {here:,}" + (f" of {size:,}" if size != here else "")
            href = reverse("accounts:cluster", args=[cluster_id])
        if banned * 2 > here:
            status = "banned"
        elif (banned + suspended) * 2 > here:
            status = "suspended"
        else:
            status = "active"
        nodes.append(
            {
                "data": {
                    "id": node_id,
                    "kind": "cluster",
                    "label": label,
                    "here": here,
                    "status": status,
                    "role": "primary_suspect" if suspects else "",
                    "href": href,
                }
            }
        )
    hubs = _hubs(cursor, scope_sql, params)
    nodes.extend(_hub_node(*h) for h in hubs)
    if hubs:
        cursor.execute(
            f"WITH scope AS ({scope_sql}) SELECT coalesce('c' || m.cluster_id, 'unclustered'), "
            "a.type, a.value, count(*) FROM accounts_accountattribute a "
            "JOIN scope s ON s.account_id = a.account_id "
            "LEFT JOIN accounts_clustermember m ON m.account_id = a.account_id "
            "WHERE (a.type, a.value) IN (SELECT * FROM unnest(%s::text[], %s::text[])) "
            "GROUP BY 1, 2, 3",
            [*params, [h[0] for h in hubs], [h[1] for h in hubs]],
        )
        edges = [
            {"data": {"source": source, "target": f"hub:{t}:{v}", "weight": n}}
            for source, t, v, n in cursor.fetchall()
        ]
    return {"mode": "aggregated", "accounts": total, "nodes": nodes, "edges": edges}


def _graph(scope_sql: str, params: list) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({scope_sql}) s", params)
        total = cursor.fetchone()[0]
        if total <= DETAIL_LIMIT:
            graph = _detailed(cursor, scope_sql, params)
            graph["accounts"] = total
            return graph
        return _aggregated(cursor, scope_sql, params, total)


def case_graph(case, *, aggregate: bool | None = None) -> dict:
    scope = "SELECT account_id, role FROM accounts_caseaccount WHERE case_id = %s"
    if aggregate:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM ({scope}) s", [case.pk])
            return _aggregated(cursor, scope, [case.pk], cursor.fetchone()[0])
    return _graph(scope, [case.pk])


def cluster_graph(cluster) -> dict:
    scope = (
        "SELECT account_id, NULL::text AS role FROM accounts_clustermember WHERE cluster_id = %s"
    )
    return _graph(scope, [cluster.pk])
