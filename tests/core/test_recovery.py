"""The recovery sweep publishes again the exports and cluster recomputes whose message was lost,
and only those: work a live worker holds, finished work and work queued a moment ago are left
alone, and publishing again never runs anything twice."""

from datetime import timedelta

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import ClusterRecompute
from accounts.tasks import cluster_recompute_run
from core.locks import CLUSTER_RECOMPUTE_JOB, EXPORT_BUILD
from exports.models import Export, ExportStatus
from exports.services import export_request, export_run
from ops.recovery import work_recover

EXPORTS = "exports.tasks.export_build"
RECOMPUTES = "accounts.cluster_recompute"


@pytest.fixture(autouse=True)
def grace(settings, tmp_path):
    settings.QUARRY_RECOVERY_GRACE_SECONDS = 60
    settings.QUARRY_EXPORT_DIR = str(tmp_path / "exports")
    settings.QUARRY_EXPORT_KEY_PATH = str(tmp_path / "keys" / "export.pem")


@pytest.fixture
def other_session():
    """A second database session, standing for a live worker holding its lock."""
    db = connection.settings_dict
    session = psycopg.connect(
        host=db["HOST"],
        port=db["PORT"] or 5432,
        user=db["USER"],
        dbname=db["NAME"],
        autocommit=True,
    )
    yield session
    session.close()


def _age(model, pk: int, seconds: int = 120) -> None:
    model.objects.filter(pk=pk).update(created_at=timezone.now() - timedelta(seconds=seconds))


def _queued_export(case, user, *, age: int = 120) -> Export:
    export = export_request(case=case, user=user, enqueue=False)
    _age(Export, export.pk, age)
    return export


def test_an_export_queued_a_moment_ago_is_left_to_its_message(case, larry):
    _queued_export(case, larry, age=5)
    assert work_recover()[EXPORTS] == []


def test_an_export_still_queued_after_the_grace_period_is_published_again_once(case, larry):
    export = _queued_export(case, larry)
    assert work_recover()[EXPORTS] == [export.pk]
    assert work_recover()[EXPORTS] == []  # the next sweep waits another grace period
    Export.objects.filter(pk=export.pk).update(requeued_at=timezone.now() - timedelta(seconds=61))
    assert work_recover()[EXPORTS] == [export.pk]


def test_a_running_export_whose_builder_lives_is_left_alone(case, larry, other_session):
    export = _queued_export(case, larry)
    Export.objects.filter(pk=export.pk).update(status=ExportStatus.RUNNING, attempts=1)
    other_session.execute("SELECT pg_advisory_lock(%s, %s)", [EXPORT_BUILD, export.pk])
    assert work_recover()[EXPORTS] == []


def test_a_running_export_whose_builder_died_is_published_again_at_once(case, larry):
    """Running, and nobody holds its lock: the builder's connection died with it."""
    export = export_request(case=case, user=larry, enqueue=False)  # requested just now
    Export.objects.filter(pk=export.pk).update(status=ExportStatus.RUNNING, attempts=1)
    assert work_recover()[EXPORTS] == [export.pk]
    assert work_recover()[EXPORTS] == []


def test_finished_exports_are_never_published_again(case, larry):
    export = _queued_export(case, larry)
    export_run(export_id=export.pk)
    assert Export.objects.get(pk=export.pk).status == ExportStatus.DONE
    assert work_recover()[EXPORTS] == []


def test_publishing_again_builds_the_export_once(case, larry):
    """Both the lost message and the sweep's arrive: the first builds, the second does nothing,
    and the new attempt clears the sweep's mark."""
    export = _queued_export(case, larry)
    assert work_recover()[EXPORTS] == [export.pk]
    assert export_run(export_id=export.pk) is not None
    assert export_run(export_id=export.pk) is None
    export.refresh_from_db()
    assert (export.status, export.attempts, export.requeued_at) == (ExportStatus.DONE, 1, None)
    assert case.events.filter(kind="export.finished").count() == 1


def test_a_stalled_cluster_recompute_is_published_again(db, other_session):
    queued = ClusterRecompute.objects.create()
    _age(ClusterRecompute, queued.pk)
    alive = ClusterRecompute.objects.create(status="running")
    other_session.execute("SELECT pg_advisory_lock(%s, %s)", [CLUSTER_RECOMPUTE_JOB, alive.pk])
    dead = ClusterRecompute.objects.create(status="running")
    ClusterRecompute.objects.create(status="done", progress=100)
    assert sorted(work_recover()[RECOMPUTES]) == [queued.pk, dead.pk]


def test_a_recompute_whose_worker_died_runs_again_once(db):
    job = ClusterRecompute.objects.create(status="running", attempts=1)
    cluster_recompute_run(job.pk)
    cluster_recompute_run(job.pk)
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("done", 2)
