"""`make run`'s ingestion server: detectors' API on a port of its own, in gunicorn processes at
a lower CPU priority than the web server's, supervised like the rest; pages are not there."""

import json
import os
import signal
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from config.devrun import INGEST_NICE, WORKER_NICE
from detection.models import Signal
from detection.services import detector_create
from tests.detection.conftest import signal_json
from tests.worker import wait_for

from .devrun import devrun, healthy

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _post(port: int, token: str, body: list[dict]) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/signals",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return answer.status, json.load(answer)


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def _autogroups() -> bool:
    try:
        return Path("/proc/sys/kernel/sched_autogroup_enabled").read_text().strip() == "1"
    except OSError:
        return False


def _autogroup_nice(pid: int) -> int:
    return int(Path(f"/proc/{pid}/autogroup").read_text().split()[-1])  # "/autogroup-7 nice 10"


def test_detectors_push_to_a_niced_ingestion_server_of_their_own(tmp_path):
    detector, token = detector_create(name="devrun-ingest")
    with devrun(tmp_path) as run:
        assert wait_for(lambda: healthy(run.ingest_port), 60), run.log()
        assert f"Detectors push to http://127.0.0.1:{run.ingest_port}/api/v1/signals" in run.log()

        status, report = _post(run.ingest_port, token, [signal_json(n) for n in range(5)])
        assert (status, report["created"]) == (201, 5)
        status, report = _post(run.port, token, [signal_json(9)])  # the web takes them too
        assert (status, report["created"]) == (201, 1)
        assert Signal.objects.filter(detector=detector).count() == 6

        assert _status(f"http://127.0.0.1:{run.ingest_port}/login/") == 404
        assert _status(f"http://127.0.0.1:{run.port}/login/") == 200

        web, ingest = run.service("web"), run.service("ingest")
        assert ingest.nice() - web.nice() == INGEST_NICE
        assert all(p.nice() == ingest.nice() for p in ingest.children())  # its workers too
        worker = run.service("worker")  # background work: routing, polls, exports
        assert worker.nice() - web.nice() == WORKER_NICE
        assert all(p.nice() == worker.nice() for p in worker.children())
        if _autogroups():  # the kernel shares the CPU between sessions first
            assert _autogroup_nice(ingest.pid) == INGEST_NICE
            assert _autogroup_nice(web.pid) == 0

        os.kill(ingest.pid, signal.SIGKILL)
        assert wait_for(
            lambda: (
                (again := run.service("ingest")) is not None
                and again.pid != ingest.pid
                and healthy(run.ingest_port)
            ),
            60,
        ), run.log()
        assert "devrun: ingest exited with -9; restarting it in 1s" in run.log()
