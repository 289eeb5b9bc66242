"""The recovery sweep runs in beat's own process (ops/beat.py), so it needs no worker: with
none running, beat publishes again an export whose message was lost, removes an orphaned
upload temp file, and keeps its heartbeat fresh; a stopped beat's heartbeat goes stale."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from exports.models import Export
from exports.services import export_request
from tests.worker import ROOT, service_env, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _heartbeat_fresh(env: dict, max_age: float) -> bool:
    check = [sys.executable, "-m", "core.heartbeat", "beat", "--max-age", str(max_age)]
    return subprocess.run(check, cwd=ROOT, env=env, capture_output=True).returncode == 0


def test_beat_runs_the_recovery_sweep_with_no_worker(tmp_path, case, larry):
    from config.celery import app

    export = export_request(case=case, user=larry, enqueue=False)
    Export.objects.filter(pk=export.pk).update(created_at=timezone.now() - timedelta(minutes=10))
    orphan = tmp_path / "tmp" / "evidence-left-by-a-killed-worker"
    orphan.parent.mkdir()
    orphan.write_bytes(b"half an upload")
    os.utime(orphan, (time.time() - 7200, time.time() - 7200))

    env = {
        **os.environ,
        **service_env(),
        "QUARRY_VAR_DIR": str(tmp_path),
        "QUARRY_RECOVERY_SWEEP_SECONDS": "1",
        "QUARRY_RECOVERY_GRACE_SECONDS": "60",
        "QUARRY_BEAT_HEARTBEAT_FILE": str(tmp_path / "beat.heartbeat"),
    }
    beat = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel", "WARNING"]
        + ["--schedule", str(tmp_path / "beat-schedule")],
        cwd=ROOT,
        env=env,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        assert wait_for(lambda: Export.objects.get(pk=export.pk).requeued_at is not None, 60)
        assert wait_for(lambda: not orphan.exists(), 10)
        assert _heartbeat_fresh(env, 10)
        beat.send_signal(signal.SIGSTOP)  # alive and ticking no more
        time.sleep(2.5)
        assert not _heartbeat_fresh(env, 2)
    finally:
        os.killpg(beat.pid, signal.SIGKILL)
        beat.wait()
        app.control.purge()  # what beat published: nobody here runs it
