"""One way to claim a background job (core.jobs.job_claim), used by exports and cluster
recomputes."""

import time

import psycopg
import pytest
from django.db import connection

from accounts.models import ClusterRecompute
from core.jobs import JobStatus, job_claim
from core.locks import CLUSTER_RECOMPUTE_JOB


def _claim(job) -> bool:
    with job_claim(ClusterRecompute, job.pk, lock=CLUSTER_RECOMPUTE_JOB, phase="claimed") as ok:
        return ok


def test_a_queued_job_is_claimed_and_counts_an_attempt(db):
    job = ClusterRecompute.objects.create()
    assert _claim(job)
    job.refresh_from_db()
    assert (job.status, job.attempts, job.phase) == (JobStatus.RUNNING, 1, "claimed")
    assert job.started_at is not None


def test_a_finished_job_is_not_claimed_again(db):
    job = ClusterRecompute.objects.create(status=JobStatus.DONE)
    assert not _claim(job)
    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.DONE, 0)


@pytest.mark.django_db(transaction=True)
def test_a_job_whose_worker_lives_is_not_claimed():
    job = ClusterRecompute.objects.create(status=JobStatus.RUNNING)
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as worker:
        worker.execute("SELECT pg_advisory_lock(%s, %s)", [CLUSTER_RECOMPUTE_JOB, job.pk])
        assert not _claim(job)
    # Its connection gone, the lock is free: a dead worker's job. The server lets go of the
    # lock as the backend exits, a moment after the client closed.
    assert any(_claim(job) or time.sleep(0.05) for _ in range(100))
