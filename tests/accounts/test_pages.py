from django.urls import reverse

from accounts import graph
from accounts.clustering import cluster_recompute_all
from accounts.models import CaseAccount, ClusterMember, ClusterRecompute
from accounts.tasks import cluster_recompute_run

from .conftest import account_with, set_weight


def test_the_account_page_explains_each_link(client, alice):
    account = account_with(("payment_fingerprint", "4b1d9e0c55aa7f3a"))
    for _ in range(2):
        account_with(("payment_fingerprint", "4b1d9e0c55aa7f3a"))
    client.force_login(alice)
    page = client.get(reverse("accounts:detail", args=[account.pk])).content.decode()
    assert "shares payment fingerprint …7f3a with 2 accounts" in page


def test_the_account_page_marks_a_hub_as_not_clustering(client, alice):
    set_weight("ip", hub_threshold=2)
    account = account_with(("ip", "203.0.113.7"))
    for _ in range(2):
        account_with(("ip", "203.0.113.7"))
    client.force_login(alice)
    page = client.get(reverse("accounts:detail", args=[account.pk])).content.decode()
    assert "a hub: shown, never used to cluster" in page


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
