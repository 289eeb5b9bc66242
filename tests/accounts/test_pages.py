from datetime import UTC, datetime, timedelta

from django.urls import reverse

from accounts import graph
from accounts.clustering import cluster_recompute_all
from accounts.models import CaseAccount, ClusterMember, ClusterRecompute
from accounts.tasks import cluster_recompute_run
from detection.selectors import account_signals
from tests.factories import AccountFactory, DetectorFactory, SignalFactory, UserFactory

from .conftest import account_with, set_weight


def test_the_account_page_explains_each_link(client, alice):
    account = account_with(("payment_fingerprint", "4b1d9e0c55aa7f3a"))
    for _ in range(2):
        account_with(("payment_fingerprint", "4b1d9e0c55aa7f3a"))
    client.force_login(alice)
    page = client.get(reverse("accounts:detail", args=[account.pk])).content.decode()
    assert "shares payment fingerprint …7f3a with 2 other accounts (3 in all)" in page


def test_the_account_page_marks_a_hub_as_not_clustering(client, alice):
    set_weight("ip", hub_threshold=2)
    account = account_with(("ip", "203.0.113.7"))
    for _ in range(2):
        account_with(("ip", "203.0.113.7"))
    client.force_login(alice)
    page = client.get(reverse("accounts:detail", args=[account.pk])).content.decode()
    assert "a hub: shown, never used to cluster" in page


T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def signals_about(account, *cases, start=T0) -> list:
    """One signal per entry of `cases` (None: unrouted), an hour apart, the first the oldest."""
    made = []
    for hours, case in enumerate(cases):
        signal = SignalFactory(case=case, observed_at=start + timedelta(hours=hours))
        signal.accounts.add(account)
        made.append(signal)
    return made


def test_the_account_page_leaves_out_signals_of_a_case_hidden_from_the_user(
    client, oscar, restricted_case
):
    account = AccountFactory()
    for name, case in (("shown-detector", None), ("hidden-detector", restricted_case)):
        SignalFactory(case=case, detector=DetectorFactory(name=name)).accounts.add(account)
    client.force_login(oscar)
    page = client.get(reverse("accounts:detail", args=[account.pk])).content.decode()
    assert "shown-detector" in page
    assert "hidden-detector" not in page


def test_the_account_page_shows_a_restricted_cases_signals_to_its_members(
    client, alice, restricted_case
):
    account = AccountFactory()
    detector = DetectorFactory(name="member-detector")
    SignalFactory(case=restricted_case, detector=detector).accounts.add(account)
    client.force_login(alice)
    page = client.get(reverse("accounts:detail", args=[account.pk])).content.decode()
    assert "member-detector" in page


def test_the_account_page_of_an_account_without_signals_says_so(client, alice):
    client.force_login(alice)
    page = client.get(reverse("accounts:detail", args=[AccountFactory().pk])).content.decode()
    assert "No signals about this account." in page


def test_account_signals_are_newest_first(alice, case):
    account = AccountFactory()
    made = signals_about(account, None, case, None, case)
    assert list(account_signals(account, alice)) == made[::-1]


def test_account_signals_stop_at_the_limit_with_the_newest(alice):
    account = AccountFactory()
    made = signals_about(account, *[None] * 6)
    assert list(account_signals(account, alice, limit=4)) == made[:1:-1]


def test_account_signals_fill_the_limit_past_hidden_ones(oscar, case, restricted_case):
    """The newest signals are in a hidden case: the limit counts only what the user sees."""
    account = AccountFactory()
    older = signals_about(account, case, None, case)
    signals_about(account, *[restricted_case] * 5, start=T0 + timedelta(days=1))
    assert list(account_signals(account, oscar, limit=3)) == older[::-1]


def test_account_signals_look_past_a_window_full_of_hidden_ones(oscar, case, restricted_case):
    """More hidden signals than the first window holds (four times the limit)."""
    account = AccountFactory()
    older = signals_about(account, None, case)
    signals_about(account, *[restricted_case] * 9, start=T0 + timedelta(days=1))
    assert list(account_signals(account, oscar, limit=2)) == older[::-1]


def test_account_signals_leave_out_other_accounts_signals(alice):
    account, other = AccountFactory(), AccountFactory()
    mine = signals_about(account, None)
    signals_about(other, None, start=T0 + timedelta(days=1))
    assert list(account_signals(account, alice)) == mine


def test_a_user_without_a_role_sees_only_unrouted_signals(case):
    account = AccountFactory()
    unrouted, _ = signals_about(account, None, case)
    assert list(account_signals(account, UserFactory(username="rolf"))) == [unrouted]


def test_the_cluster_page_lists_members_and_shared_values(client, alice):
    members = [account_with(("device_fingerprint", "dev-shared")) for _ in range(3)]
    cluster_recompute_all()
    cluster_id = ClusterMember.objects.get(account=members[0]).cluster_id
    client.force_login(alice)
    page = client.get(reverse("accounts:cluster", args=[cluster_id])).content.decode()
    assert all(m.external_id in page for m in members)
    assert "dev-shared" in page


def test_a_small_case_graph_has_accounts_and_shared_values(client, alice, case):
    a = account_with(("payment_fingerprint", "pf-g"))
    b = account_with(("payment_fingerprint", "pf-g"))
    for account, role in ((a, "primary_suspect"), (b, "payer")):
        CaseAccount.objects.create(case=case, account=account, role=role)
    client.force_login(alice)
    body = client.get(reverse("accounts:case_graph_json", args=[case.number])).json()
    assert body["mode"] == "detailed"
    kinds = sorted(n["data"]["kind"] for n in body["nodes"])
    assert kinds == ["account", "account", "value"]
    roles = {
        n["data"]["label"]: n["data"]["role"]
        for n in body["nodes"]
        if n["data"]["kind"] == "account"
    }
    assert roles == {a.external_id: "primary_suspect", b.external_id: "payer"}
    assert len(body["edges"]) == 2


def test_a_large_case_graph_is_aggregated_into_clusters_and_hubs(client, alice, case, monkeypatch):
    monkeypatch.setattr(graph, "DETAIL_LIMIT", 4)
    set_weight("ip", hub_threshold=3)
    group_a = [
        account_with(("payment_fingerprint", "pf-a"), ("ip", "203.0.113.7")) for _ in range(3)
    ]
    group_b = [
        account_with(("payment_fingerprint", "pf-b"), ("ip", "203.0.113.7")) for _ in range(3)
    ]
    cluster_recompute_all()
    for account in group_a + group_b:
        CaseAccount.objects.create(case=case, account=account)
    client.force_login(alice)
    body = client.get(reverse("accounts:case_graph_json", args=[case.number])).json()
    assert body["mode"] == "aggregated"
    clusters = [n for n in body["nodes"] if n["data"]["kind"] == "cluster"]
    hubs = [n for n in body["nodes"] if n["data"]["kind"] == "hub"]
    assert sorted(n["data"]["here"] for n in clusters) == [3, 3]
    assert len(hubs) == 1 and hubs[0]["data"]["total"] == 6
    assert sorted(e["data"]["weight"] for e in body["edges"]) == [3, 3]


def test_the_case_page_includes_the_accounts_section(client, alice, case):
    client.force_login(alice)
    url = reverse("cases:detail", args=[case.number]) + "?tab=accounts"
    page = client.get(url).content.decode()
    assert reverse("accounts:case_accounts_panel", args=[case.number]) in page


def test_a_recompute_job_reports_progress_and_what_changed(db):
    account_with(("payment_fingerprint", "pf-job"))
    account_with(("payment_fingerprint", "pf-job"))
    job = ClusterRecompute.objects.create()
    cluster_recompute_run(job.pk)
    job.refresh_from_db()
    assert (job.status, job.progress) == ("done", 100)
    assert job.stats["clusters"] == 1 and job.stats["accounts"] == 2


def test_a_second_delivery_of_a_finished_job_does_nothing(db):
    job = ClusterRecompute.objects.create(status="done", progress=100)
    cluster_recompute_run(job.pk)
    job.refresh_from_db()
    assert job.started_at is None
