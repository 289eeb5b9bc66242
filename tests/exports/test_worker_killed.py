"""A worker SIGKILLed in the middle of a build: the export is built again by the next worker
(the recovery sweep publishes it again, since no transport hands a dead worker's message back
at once), exactly once, into one bundle that verifies, with no partial file left and no audit
or custody record written twice."""

import os
import shutil

import pytest
from django.conf import settings

from evidence.models import CustodyEvent
from exports import verify
from exports.models import Export, ExportStatus
from exports.services import export_dir, export_path, export_request, partial_dir
from ops.tasks import work_recover_task
from tests.helpers import add_evidence
from tests.worker import beat_until, kill_worker, start_worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# 300 MiB: a build takes seconds. In many files, because the export writes its progress as
# each file starts: a build shows progress > 0 early, well before it ends.
FILES, MIB_PER_FILE = 30, 10


@pytest.fixture
def worker_env(tmp_path, export_settings):
    yield {
        "QUARRY_VAR_DIR": str(tmp_path),  # the test's evidence is tmp_path/evidence
        "QUARRY_EXPORT_DIR": settings.QUARRY_EXPORT_DIR,
        "QUARRY_EXPORT_KEY_PATH": settings.QUARRY_EXPORT_KEY_PATH,
        "QUARRY_ORGANIZATION": settings.QUARRY_ORGANIZATION,
    }
    for large in ("evidence", "exports"):  # pytest keeps the last runs' tmp_path
        shutil.rmtree(tmp_path / large, ignore_errors=True)


def _large_evidence(case, user) -> None:
    for number in range(FILES):
        block = os.urandom(1024 * 1024)
        add_evidence(case, user, b"".join([block] * MIB_PER_FILE), f"capture-{number}.bin")


def test_an_export_killed_mid_build_is_built_again_exactly_once(
    workers, worker_env, case, alice, larry
):
    _large_evidence(case, alice)
    workers.append(start_worker(worker_env, prefork=True))
    export = export_request(case=case, user=larry)  # enqueued when this transaction commits
    assert wait_for(
        lambda: Export.objects.filter(
            pk=export.pk, status=ExportStatus.RUNNING, progress__gt=0
        ).exists(),
        120,
    ), workers[0].stderr.read().decode()
    kill_worker(workers[0])
    export.refresh_from_db()
    assert (export.status, export.attempts) == (ExportStatus.RUNNING, 1)
    assert len(list(partial_dir().iterdir())) == 1  # the killed build's half-written zip

    workers.append(start_worker(worker_env, prefork=True, purge=False))
    done = beat_until(
        lambda: Export.objects.filter(pk=export.pk, status=ExportStatus.DONE).exists(),
        work_recover_task,
        seconds=180,
    )
    export.refresh_from_db()
    assert done, (export.status, export.error)
    assert export.attempts == 2
    assert list(partial_dir().iterdir()) == []
    assert sorted(p.name for p in export_dir().iterdir()) == [".partial", export.file_name]
    problems, _ = verify.verify(str(export_path(export)))
    assert problems == []

    events = case.events.filter(data__export_id=export.pk)
    assert sorted(events.values_list("kind", flat=True)) == ["export.finished", "export.started"]
    custody = CustodyEvent.objects.filter(detail__startswith=f"export {export.pk} ")
    assert custody.filter(detail__contains="started").count() == FILES
    assert custody.filter(detail__contains="finished").count() == FILES
    assert custody.count() == 2 * FILES
