"""The recovery sweep: publish again the durable work nobody is doing.

Exports and cluster recomputes are rows first and Celery messages second. A message can be
lost while its row says there is work to do: the publish failed because the broker was down
(core/enqueue.py leaves the row `queued`), or the worker's main process was killed while
holding it (kombu's filesystem transport removed the message file on delivery; Redis gives it
back only after its visibility timeout). Beat's scheduler runs `work_recover` in beat's own
process every QUARRY_RECOVERY_SWEEP_SECONDS (ops/beat.py), never behind the worker it is
meant to recover; it publishes the task again for

- a row still `queued` QUARRY_RECOVERY_GRACE_SECONDS after it was created (or last
  re-published): a healthy queue starts work sooner than that;
- a row `running` whose worker is dead: the session advisory lock its worker holds for the
  whole run is free. The sweep takes that lock itself while it reads the status again, so a
  worker finishing at that instant is never mistaken for a dead one.

Publishing again never makes the work happen twice: each task claims its row under the same
lock with a conditional UPDATE, so a second message for a finished or live row does nothing.
`requeued_at`, set by compare-and-set before publishing, keeps two sweeps from both publishing
and spaces the re-publishes of one row by the grace period; a new attempt clears it."""

import logging
from dataclasses import dataclass
from datetime import timedelta

from celery import Task
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import ClusterRecompute
from accounts.tasks import cluster_recompute_task
from core.enqueue import task_publish
from core.jobs import JobStatus
from core.locks import CLUSTER_RECOMPUTE_JOB, EXPORT_BUILD, advisory_lock_try
from exports.models import Export
from exports.tasks import export_build

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DurableWork:
    """A kind of row-backed work: its model (with status, created_at, requeued_at), the task
    that runs one row by id, and the first key of the advisory lock its worker holds."""

    model: type[models.Model]
    task: Task
    lock_namespace: int


def _claim_republish(work: DurableWork, pk: int, requeued_at, status: str, now) -> bool:
    """Compare-and-set on requeued_at: of two sweeps looking at one row, one publishes."""
    same = Q(requeued_at__isnull=True) if requeued_at is None else Q(requeued_at=requeued_at)
    return bool(work.model.objects.filter(same, pk=pk, status=status).update(requeued_at=now))


def stalled_republish(work: DurableWork, *, grace_seconds: float) -> list[int]:
    """Publish the task again for each stalled row of this kind; the ids published."""
    now = timezone.now()
    cutoff = now - timedelta(seconds=grace_seconds)
    published = []
    queued = (
        work.model.objects.filter(status=JobStatus.QUEUED)
        .annotate(last_publish=Coalesce("requeued_at", "created_at"))
        .filter(last_publish__lte=cutoff)
        .values_list("pk", "requeued_at")
    )
    for pk, requeued_at in queued:
        if _claim_republish(work, pk, requeued_at, JobStatus.QUEUED, now):
            published.append(pk)
    running = (
        work.model.objects.filter(status=JobStatus.RUNNING)
        .filter(Q(requeued_at__isnull=True) | Q(requeued_at__lte=cutoff))
        .values_list("pk", "requeued_at")
    )
    for pk, requeued_at in running:
        with advisory_lock_try(work.lock_namespace, pk) as free:
            # Held: its worker is alive. Free: dead, unless the row finished meanwhile, which
            # the compare-and-set (status still running) rules out.
            dead = free and _claim_republish(work, pk, requeued_at, JobStatus.RUNNING, now)
        if dead:
            published.append(pk)
    for pk in published:
        log.warning("recovery: %s(%s) had no live message; publishing it again", work.task.name, pk)
        task_publish(work.task, pk)
    return published


def durable_work() -> list[DurableWork]:
    return [
        DurableWork(Export, export_build, EXPORT_BUILD),
        DurableWork(ClusterRecompute, cluster_recompute_task, CLUSTER_RECOMPUTE_JOB),
    ]


def work_recover() -> dict[str, list[int]]:
    grace = settings.QUARRY_RECOVERY_GRACE_SECONDS
    return {work.task.name: stalled_republish(work, grace_seconds=grace) for work in durable_work()}
