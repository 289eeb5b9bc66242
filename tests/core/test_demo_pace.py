"""The demo shows a few cases forming, not a flood: the reference detector's signals come from
a few clusters, one more joining at a time; the curated cases' cluster tags name the cluster
(C-N) their accounts are in."""

from django.contrib.auth.models import Group
from django.core.management import call_command

from accounts.models import ClusterMember
from cases.models import Case
from core.roles import ALL_ROLES
from devdata.reference_feed import CampaignFeed


def _clusters(feed: CampaignFeed, signals: range) -> set[int]:
    return {feed.signal(i)["payload"]["cluster_hint"] for i in signals}


def test_a_focused_feed_draws_from_its_first_clusters_only():
    feed = CampaignFeed(accounts=800, seed=11, clusters=3)
    assert len(_clusters(feed, range(400))) == 3


def test_clusters_join_one_at_a_time():
    feed = CampaignFeed(accounts=800, seed=11, clusters=4, cluster_every=100)
    assert len(_clusters(feed, range(100))) == 1
    assert len(_clusters(feed, range(100, 200))) == 2
    assert len(_clusters(feed, range(1000, 1400))) == 4


def test_an_unfocused_feed_is_unchanged():
    assert len(_clusters(CampaignFeed(accounts=800, seed=11), range(400))) > 10


def test_demo_cases_are_tagged_with_the_cluster_their_accounts_are_in(db):
    # A flushed test database has lost the roles' data migration.
    for role in ALL_ROLES:
        Group.objects.get_or_create(name=role)
    call_command("seed_users")
    call_command("seed_demo", accounts=240, signals=300)
    tagged = Case.objects.filter(tags__contains=["distillation"]).exclude(
        tags__contains=["unclustered"]
    )
    checked = 0
    for case in tagged:
        tag = next((t for t in case.tags if t.startswith("cluster-")), None)
        if tag is None:
            continue
        in_clusters = set(
            ClusterMember.objects.filter(account__case_links__case=case).values_list(
                "cluster_id", flat=True
            )
        )
        assert in_clusters == {int(tag.removeprefix("cluster-"))}, (case.title, tag, in_clusters)
        checked += 1
    assert checked >= 5
