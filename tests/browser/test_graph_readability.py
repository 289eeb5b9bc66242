"""The account graph reads at 40, 400 and 4,000 accounts: hubs stand aside in a column with a
legend, nodes do not overlap (accounts at 40, clusters once aggregated at 4,000), labels appear
on hover (and once zoomed in). Screenshots for the README with `make screenshots`."""

import pytest
from django.db import connection

from accounts.clustering import cluster_recompute_all
from tests.accounts.conftest import bulk_accounts, set_weight
from tests.factories import make_case

from .conftest import sign_in
from .walk import settle

pytestmark = pytest.mark.browser

HUB_THRESHOLD = 50
GEOMETRY = """(graph) => {
  const cy = graph.quarryGraph;
  const pos = (n) => ({ id: n.id(), kind: n.data("kind"), x: n.position("x"), y: n.position("y"),
                        w: n.width() });
  return { zoom: cy.zoom(), nodes: cy.nodes().map(pos) };
}"""


def _case(user, accounts: int):
    """A case of `accounts` accounts in groups of 20 behind a payment fingerprint, each group
    sharing a device; an exit IP and an ASN held by many accounts outside the case (hubs)."""
    set_weight("ip", hub_threshold=HUB_THRESHOLD)
    set_weight("asn", hub_threshold=HUB_THRESHOLD)
    ids = bulk_accounts(accounts, f"g{accounts}_")
    outsiders = bulk_accounts(HUB_THRESHOLD + 10, f"o{accounts}_")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO accounts_accountattribute (account_id, type, value, first_seen_at) "
            "SELECT id, 'payment_fingerprint', 'pf-' || (id %% (%s / 20 + 1)), now() "
            "FROM unnest(%s::bigint[]) id "
            "UNION ALL SELECT id, 'ip', '203.0.113.7', now() FROM unnest(%s::bigint[]) id "
            "UNION ALL SELECT id, 'asn', 'AS64512', now() FROM unnest(%s::bigint[]) id",
            [accounts, ids, ids + outsiders, ids + outsiders],
        )
    cluster_recompute_all()
    case = make_case(created_by=user, title=f"Campaign of {accounts} accounts")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO accounts_caseaccount (case_id, account_id, role, enforcement, added_at) "
            "SELECT %s, id, 'linked', 'none', now() FROM unnest(%s::bigint[]) id",
            [case.pk, ids],
        )
    return case


def _draw(page, case):
    page.goto(f"/cases/{case.number}/graph/")
    settle(page)
    return page.evaluate(GEOMETRY, page.locator("#graph").element_handle())


@pytest.mark.parametrize("accounts", [40, 400, 4000])
def test_hubs_stand_aside_with_a_legend(page, transactional_db, lena, accounts, screenshots):
    case = _case(lena, accounts)
    sign_in(page, "lena")
    geometry = _draw(page, case)
    page.screenshot(path=str(screenshots / f"graph-{accounts}.png"), full_page=True)
    hubs = [n for n in geometry["nodes"] if n["kind"] == "hub"]
    others = [n for n in geometry["nodes"] if n["kind"] != "hub"]
    assert len(hubs) == 2
    assert min(h["x"] for h in hubs) > max(n["x"] for n in others)
    legend = page.locator("#graph-hubs li").all_inner_texts()
    assert (
        legend[0].startswith("H1 ") and f"{HUB_THRESHOLD + 10 + accounts:,} accounts" in legend[0]
    )


@pytest.mark.parametrize("accounts, kind", [(40, "account"), (4000, "cluster")])
def test_nodes_do_not_overlap(page, transactional_db, lena, accounts, kind):
    """40 accounts are drawn one by one; 4,000 as clusters (aggregated), in a grid."""
    case = _case(lena, accounts)
    sign_in(page, "lena")
    nodes = [n for n in _draw(page, case)["nodes"] if n["kind"] == kind]
    assert len(nodes) >= {"account": 40, "cluster": 200}[kind]
    crowded = [
        (a["id"], b["id"])
        for i, a in enumerate(nodes)
        for b in nodes[i + 1 :]
        if ((a["x"] - b["x"]) ** 2 + (a["y"] - b["y"]) ** 2) ** 0.5 < a["w"]
    ]
    assert crowded == []


def test_a_label_shows_on_hover_when_too_small_to_read(page, transactional_db, lena):
    case = _case(lena, 400)
    sign_in(page, "lena")
    geometry = _draw(page, case)
    assert geometry["zoom"] * 9 < 8  # at this zoom account labels are hidden
    node = page.evaluate(
        "(g) => { const n = g.quarryGraph.nodes('[kind = \"account\"]')[0];"
        " const p = n.renderedPosition(); const b = g.getBoundingClientRect();"
        " return { id: n.id(), x: b.left + p.x, y: b.top + p.y }; }",
        page.locator("#graph").element_handle(),
    )
    page.mouse.move(node["x"], node["y"])
    hovered = page.evaluate(
        "([g, id]) => g.quarryGraph.getElementById(id).hasClass('hover')",
        [page.locator("#graph").element_handle(), node["id"]],
    )
    assert hovered
