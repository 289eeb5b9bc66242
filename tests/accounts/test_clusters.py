import numpy as np
import pytest

from accounts.clustering import (
    Links,
    cluster_recompute_all,
    cluster_update_for_accounts,
    components,
)
from accounts.models import AccountAttribute, Cluster, ClusterMember

from .conftest import account_with, cluster_of, partition, set_weight


def test_a_shared_payment_fingerprint_puts_two_accounts_in_one_cluster(db):
    a = account_with(("payment_fingerprint", "pf-1"))
    b = account_with(("payment_fingerprint", "pf-1"))
    c = account_with(("payment_fingerprint", "pf-2"))
    cluster_recompute_all()
    assert cluster_of(a) == cluster_of(b) != cluster_of(c)


def test_every_account_gets_exactly_one_cluster_singletons_included(db):
    a = account_with(("ip", "198.51.100.1"))
    cluster_recompute_all()
    assert Cluster.objects.get(pk=cluster_of(a)).size == 1


def test_a_weak_link_does_not_cluster(db):
    a = account_with(("email_domain", "freemail.example"))
    b = account_with(("email_domain", "freemail.example"))
    cluster_recompute_all()
    assert cluster_of(a) != cluster_of(b)


def test_making_a_weak_type_medium_merges_its_holders(db):
    a = account_with(("email_domain", "northwind-mail.example"))
    b = account_with(("email_domain", "northwind-mail.example"))
    cluster_recompute_all()
    set_weight("email_domain", strength="medium")
    cluster_recompute_all()
    assert cluster_of(a) == cluster_of(b)


def test_making_a_strong_type_weak_splits_its_holders(db):
    a = account_with(("device_fingerprint", "dev-1"))
    b = account_with(("device_fingerprint", "dev-1"))
    cluster_recompute_all()
    set_weight("device_fingerprint", strength="weak")
    cluster_recompute_all()
    assert cluster_of(a) != cluster_of(b)


def test_a_hub_value_never_merges_its_holders(db):
    set_weight("ip", hub_threshold=3)
    holders = [account_with(("ip", "203.0.113.7")) for _ in range(4)]
    cluster_recompute_all()
    assert len({cluster_of(a) for a in holders}) == 4


def test_a_value_at_the_hub_threshold_still_links(db):
    set_weight("ip", hub_threshold=3)
    holders = [account_with(("ip", "203.0.113.7")) for _ in range(3)]
    cluster_recompute_all()
    assert len({cluster_of(a) for a in holders}) == 1


def test_a_cluster_keeps_its_id_when_a_recompute_adds_one_account(db):
    members = [account_with(("payment_fingerprint", "pf-keep")) for _ in range(3)]
    cluster_recompute_all()
    before = cluster_of(members[0])
    newcomer = account_with(("payment_fingerprint", "pf-keep"))
    cluster_recompute_all()
    assert cluster_of(newcomer) == before
    assert all(cluster_of(m) == before for m in members)
    assert Cluster.objects.get(pk=before).size == 4


def test_in_a_split_the_larger_part_keeps_the_id(db):
    big = [account_with(("payment_fingerprint", "pf-big"), ("ip", "10.0.0.1")) for _ in range(3)]
    small = account_with(("payment_fingerprint", "pf-small"), ("ip", "10.0.0.1"))
    cluster_recompute_all()
    before = cluster_of(big[0])
    assert cluster_of(small) == before
    set_weight("ip", strength="weak")
    cluster_recompute_all()
    assert cluster_of(big[0]) == before
    assert cluster_of(small) != before


def test_in_a_merge_the_cluster_contributing_most_survives_and_the_other_points_to_it(db):
    big = [account_with(("payment_fingerprint", "pf-a")) for _ in range(3)]
    small = [account_with(("payment_fingerprint", "pf-b")) for _ in range(2)]
    cluster_recompute_all()
    big_id, small_id = cluster_of(big[0]), cluster_of(small[0])
    account_with(("payment_fingerprint", "pf-a"), ("payment_fingerprint", "pf-b"))
    cluster_recompute_all()
    assert cluster_of(small[0]) == big_id
    dissolved = Cluster.objects.get(pk=small_id)
    assert dissolved.dissolved_at is not None and dissolved.merged_into_id == big_id


def test_an_incremental_update_joins_a_new_account_to_its_cluster(db):
    old = [account_with(("device_fingerprint", "dev-x")) for _ in range(2)]
    cluster_recompute_all()
    newcomer = account_with(("device_fingerprint", "dev-x"))
    cluster_update_for_accounts([newcomer.pk])
    assert cluster_of(newcomer) == cluster_of(old[0])


def test_an_incremental_update_that_bridges_two_clusters_merges_them(db):
    a = account_with(("payment_fingerprint", "pf-a"))
    a2 = account_with(("payment_fingerprint", "pf-a"))
    b = account_with(("ip", "10.1.1.1"))
    b2 = account_with(("ip", "10.1.1.1"))
    cluster_recompute_all()
    bridge = account_with(("payment_fingerprint", "pf-a"), ("ip", "10.1.1.1"))
    cluster_update_for_accounts([bridge.pk])
    assert len({cluster_of(x) for x in (a, a2, b, b2, bridge)}) == 1


def test_an_incremental_update_follows_a_cluster_member_to_a_cluster_it_links_to(db):
    # a2 gained a value shared with b after the last recompute, and no update has run for it:
    # the update for a newcomer reaches a2 through cluster A and must carry on to cluster B.
    a1 = account_with(("payment_fingerprint", "pf-a"))
    a2 = account_with(("payment_fingerprint", "pf-a"))
    b1 = account_with(("device_fingerprint", "dev-b"))
    b2 = account_with(("ip", "10.2.2.2"), ("device_fingerprint", "dev-b"))
    cluster_recompute_all()
    AccountAttribute.objects.create(account=a2, type="ip", value="10.2.2.2")
    newcomer = account_with(("payment_fingerprint", "pf-a"))
    cluster_update_for_accounts([newcomer.pk])
    assert len({cluster_of(x) for x in (a1, a2, b1, b2, newcomer)}) == 1
    incremental = partition()
    cluster_recompute_all()
    assert partition() == incremental


def test_incremental_updates_and_a_full_recompute_agree(db):
    import random

    rng = random.Random(4)
    accounts = []
    for _ in range(6):
        created = []
        for _ in range(15):
            attributes = [
                ("payment_fingerprint", f"pf-{rng.randint(0, 25)}"),
                ("ip", f"10.0.0.{rng.randint(0, 40)}"),
                ("email_domain", f"mail{rng.randint(0, 3)}.example"),
            ]
            created.append(account_with(*rng.sample(attributes, rng.randint(1, 3))))
        accounts += created
        cluster_update_for_accounts([a.pk for a in created])
    incremental = partition()
    cluster_recompute_all()
    assert partition() == incremental
    assert ClusterMember.objects.count() == len(accounts)


def test_an_incremental_update_that_makes_a_value_a_hub_splits_what_it_linked(db):
    set_weight("ip", hub_threshold=3)
    holders = [account_with(("ip", "203.0.113.9")) for _ in range(3)]
    cluster_recompute_all()
    assert len({cluster_of(a) for a in holders}) == 1
    fourth = account_with(("ip", "203.0.113.9"))
    cluster_update_for_accounts([fourth.pk])
    assert len({cluster_of(a) for a in [*holders, fourth]}) == 4


def test_a_recompute_that_moves_few_accounts_keeps_the_others_membership_dates(db):
    stable = [account_with(("payment_fingerprint", f"pf-{i}")) for i in range(9)]
    pair = account_with(("device_fingerprint", "dev-p"))
    cluster_recompute_all()
    since = dict(ClusterMember.objects.values_list("account_id", "since"))
    newcomer = account_with(("device_fingerprint", "dev-p"))
    result = cluster_recompute_all()
    assert result.moved == 1
    assert cluster_of(newcomer) == cluster_of(pair)
    after = dict(ClusterMember.objects.values_list("account_id", "since"))
    assert all(after[a.pk] == since[a.pk] for a in [*stable, pair])


def test_a_recompute_that_rewrites_the_table_keeps_the_dates_of_those_who_stayed(db):
    first = account_with(("payment_fingerprint", "pf-r"))
    cluster_recompute_all()
    since = ClusterMember.objects.get(account=first).since
    for _ in range(3):
        account_with(("payment_fingerprint", "pf-r"))
    result = cluster_recompute_all()
    assert result.moved == 3  # most of the table: rewritten in bulk
    assert ClusterMember.objects.get(account=first).since == since


def test_a_holder_missing_from_the_account_list_is_left_out_and_the_others_still_link():
    # The full recompute reads the accounts and the linking values in separate statements; an
    # incremental update may read a value whose newest holder it has not listed. That holder is
    # left to its own update; the value still links the holders that are listed.
    accounts = np.array([10, 11, 12, 13], dtype=np.int64)
    links = Links(
        sizes=np.array([3, 2, 2], dtype=np.int64),
        holders=np.array([10, 99, 12, 98, 97, 11, 13], dtype=np.int64),
    )
    labels = components(accounts, links)
    assert labels.tolist() == [0, 1, 0, 1]
    # Numbered 0..k-1 over the accounts even when a value has no listed holder left.
    alone = components(accounts, Links(np.array([2], dtype=np.int64), np.array([98, 97])))
    assert sorted(alone.tolist()) == [0, 1, 2, 3]


@pytest.mark.django_db(transaction=True)
def test_a_rewrite_dates_the_moved_accounts_at_the_recompute_and_keeps_the_others():
    first = account_with(("payment_fingerprint", "pf-d"))
    cluster_recompute_all()
    kept = ClusterMember.objects.get(account=first).since
    newcomers = [account_with(("payment_fingerprint", "pf-d")) for _ in range(3)]
    result = cluster_recompute_all()
    assert result.moved == 3  # the whole table rewritten
    cluster = Cluster.objects.get(pk=cluster_of(first))
    assert ClusterMember.objects.get(account=first).since == kept
    dates = set(ClusterMember.objects.filter(account__in=newcomers).values_list("since", flat=True))
    # The moved accounts were loaded without a date: the column's default gives them the time
    # of the recompute's transaction, the time the cluster itself was updated.
    assert dates == {cluster.updated_at}
    assert cluster.updated_at > kept
