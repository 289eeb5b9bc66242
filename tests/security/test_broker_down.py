"""With the broker unreachable, a request that queues work still succeeds and the work stays
queued in the database (nothing is lost, nothing answers 500); once the broker is back, the
recovery sweep publishes it again and a worker does it, once."""

import os
import socket
import subprocess

import pytest
import redis

from accounts.models import ClusterRecompute
from accounts.tasks import cluster_recompute_task
from exports.models import Export, ExportStatus
from exports.tasks import export_build
from ops.tasks import work_recover_task
from tests.worker import beat_until, broker_at, start_worker, stop_worker, wait_for


@pytest.fixture
def broker_down():
    with broker_at("redis://127.0.0.1:1/0"):  # nothing listens on port 1
        yield


def test_an_export_requested_while_the_broker_is_down_stays_queued(
    client, lena, case, broker_down, django_capture_on_commit_callbacks
):
    client.force_login(lena)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/v1/cases/{case.number}/exports", {}, content_type="application/json"
        )
    assert response.status_code == 202
    assert Export.objects.get().status == ExportStatus.QUEUED


def test_the_publish_really_fails_when_the_broker_is_unreachable():
    """The check above can fail: publishing to an unreachable broker returns False instead of
    raising. Run in a fresh process, so no connection pool cached by earlier tests is reused."""
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import django; django.setup();"
        "from core.enqueue import task_publish; from exports.tasks import export_build;"
        "print(task_publish(export_build, 123456))"
    )
    env = {
        **os.environ,
        "CELERY_BROKER_URL": "redis://127.0.0.1:1/0",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        timeout=60,
    )
    assert result.stdout.strip().splitlines()[-1] == "False", result.stderr


class ThrowawayRedis:
    """A redis-server of the test's own on a free port, to stop and start at will (never the
    shared one), keeping nothing on disk."""

    def __init__(self, directory) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.directory = directory
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        assert wait_for(lambda: self._answers(client), 20)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)

    @staticmethod
    def _answers(client) -> bool:
        try:
            return client.ping()
        except redis.ConnectionError:
            return False


@pytest.fixture
def throwaway_broker(tmp_path):
    broker = ThrowawayRedis(tmp_path)
    with broker_at(broker.url):
        broker.start()
        yield broker
        if broker.process.poll() is None:
            broker.stop()


@pytest.fixture
def export_worker_env(settings, tmp_path) -> dict[str, str]:
    settings.QUARRY_EXPORT_DIR = str(tmp_path / "exports")
    settings.QUARRY_EXPORT_KEY_PATH = str(tmp_path / "keys" / "export.pem")
    return {
        "QUARRY_VAR_DIR": str(tmp_path),
        "QUARRY_EXPORT_DIR": settings.QUARRY_EXPORT_DIR,
        "QUARRY_EXPORT_KEY_PATH": settings.QUARRY_EXPORT_KEY_PATH,
        "QUARRY_RECOVERY_GRACE_SECONDS": "1",
    }


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_work_requested_while_the_broker_is_down_is_done_once_when_it_is_back(
    client, lena, case, throwaway_broker, export_worker_env
):
    from config.celery import app

    client.force_login(lena)
    app.control.purge()  # the web process talks to the broker: its pool holds a connection
    throwaway_broker.stop()

    assert client.get("/").status_code == 200
    assert client.get(f"/cases/{case.number}/").status_code == 200
    response = client.post(f"/api/v1/cases/{case.number}/exports", {}, "application/json")
    assert response.status_code == 202
    assert client.post("/api/v1/clusters/recompute").status_code == 202
    export, job = Export.objects.get(), ClusterRecompute.objects.get()
    assert (export.status, job.status) == (ExportStatus.QUEUED, "queued")
    assert client.get(f"/cases/{case.number}/").status_code == 200

    throwaway_broker.start()  # empty: the two publishes failed, nothing was kept
    worker = start_worker({"CELERY_BROKER_URL": throwaway_broker.url, **export_worker_env})
    try:
        done = beat_until(
            lambda: (
                Export.objects.filter(status=ExportStatus.DONE).exists()
                and ClusterRecompute.objects.filter(status="done").exists()
            ),
            work_recover_task,
            seconds=120,
        )
        assert done, [Export.objects.values()[0], ClusterRecompute.objects.values()[0]]
        # Late messages for the same work (another sweep, a slow first publish) do nothing.
        export_build.delay(export.pk)
        cluster_recompute_task.delay(job.pk)
        work_recover_task.delay()
        queue = redis.Redis.from_url(throwaway_broker.url)
        assert wait_for(lambda: queue.llen("celery") == 0, 30)
    finally:
        stop_worker(worker)  # a warm shutdown: the task in hand, if any, runs to its end
    export.refresh_from_db()
    job.refresh_from_db()
    assert (export.attempts, job.attempts) == (1, 1)
    assert case.events.filter(kind="export.finished").count() == 1
