"""Background jobs that are rows first and Celery messages second (exports, cluster
recomputes): one vocabulary of states, and one way for a worker to claim a job.

A job is claimed under a session advisory lock held for the whole run (its namespace says what
kind of job, its key is the job's id) and by a conditional UPDATE from queued or running to
running. The lock makes a second delivery of the same task do nothing while the first worker
lives; the UPDATE makes a delivery for a finished job do nothing. A job left `running` whose
lock is free has lost its worker: the next delivery claims it again (ops/recovery.py sends one)."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import models
from django.db.models import F
from django.utils import timezone

from .locks import advisory_lock_try


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


@contextmanager
def job_claim(model: type[models.Model], pk: int, *, lock: int, **reset) -> Iterator[bool]:
    """Claim job `pk` of `model` for this worker; yields whether it is ours to run. `reset`
    names the fields a new attempt starts from (progress, error, ...). The lock is let go on
    the way out, so the run belongs inside the `with`."""
    with advisory_lock_try(lock, pk) as acquired:
        claimed = acquired and bool(
            model.objects.filter(pk=pk, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).update(
                status=JobStatus.RUNNING,
                started_at=timezone.now(),
                attempts=F("attempts") + 1,
                requeued_at=None,
                **reset,
            )
        )
        yield claimed
