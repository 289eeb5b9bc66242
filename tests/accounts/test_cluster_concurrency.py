"""Signal batches arrive on several workers at once; each calls cluster_update_for_accounts.
Real threads, each with its own database connection."""

import threading

import pytest
from django.db import connection, transaction
from django.db.models import Count

from accounts.clustering import cluster_recompute_all, cluster_update_for_accounts
from accounts.models import Cluster, ClusterMember

from .conftest import account_with, partition

pytestmark = pytest.mark.django_db(transaction=True)


def _ingest_batch(batch: int) -> None:
    """Each batch brings accounts that share one payment fingerprint with every other batch
    (so the batches must end in one cluster) and one device fingerprint of their own."""
    with transaction.atomic():
        created = [
            account_with(
                ("payment_fingerprint", "pf-shared") if i == 0 else ("ip", f"10.9.{batch}.1"),
                ("device_fingerprint", f"dev-{batch}"),
            )
            for i in range(3)
        ]
        cluster_update_for_accounts([a.pk for a in created])


def test_concurrent_batches_leave_consistent_clusters_equal_to_a_full_recompute():
    count = 6
    barrier = threading.Barrier(count)
    errors = []

    def run(batch: int) -> None:
        try:
            barrier.wait()
            _ingest_batch(batch)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(b,)) for b in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    live = Cluster.objects.filter(dissolved_at__isnull=True, size__gt=0)
    assert live.count() == 1
    actual = dict(
        ClusterMember.objects.values("cluster_id")
        .annotate(n=Count("account_id"))
        .values_list("cluster_id", "n")
    )
    assert {c.pk: c.size for c in live} == actual
    concurrent = partition()
    cluster_recompute_all()
    assert partition() == concurrent
