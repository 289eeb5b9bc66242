"""End to end through a real Celery worker: the page's request is enqueued on commit, a worker
process builds the bundle against the same database, and the bundle verifies."""

import os
import time

import pytest
from django.conf import settings

from exports import verify
from exports.models import Export, ExportStatus
from exports.services import export_path, export_request
from tests.helpers import add_evidence
from tests.worker import start_worker, stop_worker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(tmp_path, export_settings):
    process = start_worker(
        {
            # The test's evidence directory is tmp_path/evidence: the worker's VAR_DIR/evidence.
            "QUARRY_VAR_DIR": str(tmp_path),
            "QUARRY_EXPORT_DIR": settings.QUARRY_EXPORT_DIR,
            "QUARRY_EXPORT_KEY_PATH": settings.QUARRY_EXPORT_KEY_PATH,
            "QUARRY_ORGANIZATION": settings.QUARRY_ORGANIZATION,
        }
    )
    yield process
    stop_worker(process)


def test_a_worker_builds_an_export_end_to_end(worker, case, alice, larry):
    add_evidence(case, alice, os.urandom(3 * 1024 * 1024), "capture.bin")
    export = export_request(case=case, user=larry)  # enqueued when this transaction commits
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        export.refresh_from_db()
        if export.is_finished or worker.poll() is not None:
            break
        time.sleep(0.5)
    assert worker.poll() is None, worker.stderr.read().decode()
    assert export.status == ExportStatus.DONE, export.error
    problems, _ = verify.verify(str(export_path(export)))
    assert problems == []
    assert Export.objects.get(pk=export.pk).attempts == 1
    assert case.events.filter(kind="export.finished", actor_label="system").exists()
