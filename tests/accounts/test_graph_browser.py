"""The aggregated graph of a large case, drawn by the vendored cytoscape in headless chromium."""

import os

import pytest
from django.conf import settings
from django.db import connection

from accounts.clustering import cluster_recompute_all
from tests.factories import UserFactory, make_case

from .conftest import bulk_accounts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # ORM set-up beside Playwright's loop

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _large_case(user, accounts: int = 1_200):
    ids = bulk_accounts(accounts, "big_")
    with connection.cursor() as cursor:
        # Groups of ~40 behind one payment fingerprint; one exit IP shared by everyone (a hub);
        # a tenth of the accounts banned, a tenth suspended.
        cursor.execute(
            "INSERT INTO accounts_accountattribute (account_id, type, value, first_seen_at) "
            "SELECT id, 'payment_fingerprint', 'pf-' || (id %% 30), now() FROM unnest(%s::bigint[]) id "
            "UNION ALL SELECT id, 'ip', '203.0.113.7', now() FROM unnest(%s::bigint[]) id",
            [ids, ids],
        )
        cursor.execute(
            "UPDATE accounts_account SET platform_status = CASE WHEN id %% 10 = 0 THEN 'banned' "
            "WHEN id %% 10 = 1 THEN 'suspended' ELSE 'active' END WHERE id = ANY(%s)",
            [ids],
        )
    cluster_recompute_all()
    case = make_case(created_by=user, title="Hydra proxy network, 1,200 accounts")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO accounts_caseaccount (case_id, account_id, role, enforcement, added_at) "
            "SELECT %s, id, CASE WHEN id %% 30 = 0 THEN 'primary_suspect' ELSE 'linked' END, "
            "'none', now() FROM unnest(%s::bigint[]) id",
            [case.pk, ids],
        )
    return case


def test_a_large_case_shows_an_aggregated_graph_of_clusters_and_hubs(
    live_server, client, screenshots
):
    from playwright.sync_api import sync_playwright

    alice = UserFactory(username="alice", roles=["investigator"])
    case = _large_case(alice)
    client.force_login(alice)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=os.environ.get("QUARRY_CHROMIUM", "/usr/bin/chromium"),
            args=CHROMIUM_ARGS,
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
        )
        page = context.new_page()
        page.goto(f"{live_server.url}/cases/{case.number}/graph/")
        page.wait_for_selector("#graph[data-ready='1']", timeout=15_000)
        summary = page.inner_text("#graph-summary")
        nodes = int(page.get_attribute("#graph", "data-nodes"))
        page.screenshot(path=str(screenshots / "case-graph.png"), full_page=True)
        browser.close()
    assert "1,200 accounts, aggregated" in summary
    assert nodes == 31  # 30 clusters and the one hub
