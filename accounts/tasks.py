from celery import shared_task
from django.db import transaction
from django.utils import timezone

from core.jobs import job_claim
from core.locks import CLUSTER_RECOMPUTE_JOB

from .clustering import cluster_recompute_all
from .models import ClusterRecompute, RecomputeStatus


def cluster_recompute_run(job_id: int) -> None:
    """Claim the job, run the recompute, and commit its progress on the way so the admin page
    can show it. A second delivery does nothing: the job is finished, or its lock is held by
    the live worker running it. A delivery after that worker died runs the job again (a full
    recompute gives the same clusters however often it runs)."""
    with job_claim(
        ClusterRecompute,
        job_id,
        lock=CLUSTER_RECOMPUTE_JOB,
        progress=0,
        phase="waiting for the lock",
    ) as claimed:
        if claimed:
            _run(job_id)


def _run(job_id: int) -> None:
    def progress(percent: int, phase: str) -> None:
        with transaction.atomic():
            ClusterRecompute.objects.filter(pk=job_id).update(progress=percent, phase=phase)

    try:
        result = cluster_recompute_all(progress=progress)
    except Exception as exc:
        ClusterRecompute.objects.filter(pk=job_id).update(
            status=RecomputeStatus.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    ClusterRecompute.objects.filter(pk=job_id).update(
        status=RecomputeStatus.DONE,
        progress=100,
        phase="done",
        finished_at=timezone.now(),
        stats={
            "accounts": result.accounts,
            "clusters": result.clusters,
            "created": result.created,
            "kept": result.kept,
            "dissolved": result.dissolved,
            "moved": result.moved,
        },
    )


@shared_task(name="accounts.cluster_recompute")
def cluster_recompute_task(job_id: int) -> None:
    cluster_recompute_run(job_id)
