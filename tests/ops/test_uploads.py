"""Evidence uploads under the web server `make run` and the Docker image start
(config/gunicorn.py): an upload slower than the worker timeout is stored (201), and the temp
files of an upload whose web worker was SIGKILLed are removed by the sweep and at start-up,
while a live upload's file is left alone however long its client pauses."""

import os
import signal
import socket
import subprocess
import sys
import time
import uuid

import psutil
import pytest
from django.conf import settings
from django.test import Client

from bench.common import free_port
from core.uploads import upload_tmp_sweep
from evidence.models import Evidence
from tests.worker import ROOT, service_env, wait_for

from .devrun import healthy

pytestmark = [pytest.mark.django_db(transaction=True)]

TIMEOUT = 2  # QUARRY_WEB_TIMEOUT_SECONDS: gunicorn's sync workers died this long into a request
SIZE = 3 * 1024 * 1024  # above FILE_UPLOAD_MAX_MEMORY_SIZE: Django streams it to a temp file


@pytest.fixture
def var_dir(tmp_path, settings):
    settings.EVIDENCE_UPLOAD_TMP = tmp_path / "tmp"
    return tmp_path


def start_web(var_dir, **env: str) -> subprocess.Popen:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "-c"]
        + ["python:config.gunicorn", "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT,
        env={
            **os.environ,
            **service_env(),
            "SECRET_KEY": settings.SECRET_KEY,  # so that the test's session is valid there
            "SECURE_COOKIES": "0",
            "QUARRY_VAR_DIR": str(var_dir),
            "QUARRY_WEB_TIMEOUT_SECONDS": str(TIMEOUT),
            "WEB_CONCURRENCY": "1",
            **env,
        },
        start_new_session=True,
    )
    process.port = port
    assert wait_for(lambda: healthy(port), 60)
    return process


def stop_web(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(30)


class SlowUpload:
    """A multipart evidence upload over a raw socket, sent at the pace the test chooses."""

    def __init__(self, port: int, case, user) -> None:
        client = Client()
        client.force_login(user)
        token = uuid.uuid4().hex  # a CSRF secret: the cookie and the header must agree
        boundary = uuid.uuid4().hex
        self.body = b"".join(
            [
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                'filename="proxy-logs.bin"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode(),
                os.urandom(SIZE),
                f"\r\n--{boundary}--\r\n".encode(),
            ]
        )
        head = (
            f"POST /cases/{case.number}/evidence HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Cookie: sessionid={client.cookies['sessionid'].value}; csrftoken={token}\r\n"
            f"X-CSRFToken: {token}\r\nAccept: application/json\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
            f"Content-Length: {len(self.body)}\r\nConnection: close\r\n\r\n"
        )
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.sock.sendall(head.encode())
        self.sent = 0

    def send(self, upto: float, seconds: float = 0.0, steps: int = 20) -> None:
        """Send the body up to this fraction of it, spread over `seconds`."""
        end = int(len(self.body) * upto)
        step = max(1, (end - self.sent) // steps)
        while self.sent < end:
            chunk = self.body[self.sent : min(end, self.sent + step)]
            self.sock.sendall(chunk)
            self.sent += len(chunk)
            time.sleep(seconds / steps)

    def status(self) -> int:
        answer = b""
        while chunk := self.sock.recv(65536):
            answer += chunk
        self.sock.close()
        return int(answer.split(b" ", 2)[1])


def temp_files(var_dir) -> list:
    return sorted(p.name for p in (var_dir / "tmp").glob("tmp*.upload*"))


def test_an_upload_slower_than_the_worker_timeout_is_stored(var_dir, case, alice):
    web = start_web(var_dir)
    try:
        upload = SlowUpload(web.port, case, alice)
        started = time.monotonic()
        upload.send(1.0, seconds=3 * TIMEOUT)
        assert upload.status() == 201
        assert time.monotonic() - started > 2 * TIMEOUT
    finally:
        stop_web(web)
    assert Evidence.objects.filter(case=case, size=SIZE).count() == 1
    assert temp_files(var_dir) == []


def _age(var_dir, name: str, seconds: int = 600) -> None:
    path = var_dir / "tmp" / name
    past = time.time() - seconds
    os.utime(path, (past, past))


def test_temp_files_of_a_killed_upload_are_swept_and_a_live_one_kept(var_dir, case, alice):
    web = start_web(var_dir, WEB_CONCURRENCY="2")
    try:
        killed = SlowUpload(web.port, case, alice)
        killed.send(0.5)
        assert wait_for(lambda: len(temp_files(var_dir)) == 1, 30)
        (orphan,) = temp_files(var_dir)
        for worker in psutil.Process(web.pid).children():
            os.kill(worker.pid, signal.SIGKILL)  # whichever worker took it dies mid-upload
        assert wait_for(lambda: healthy(web.port), 30)

        live = SlowUpload(web.port, case, alice)
        live.send(0.5)
        assert wait_for(lambda: len(temp_files(var_dir)) == 2, 30)
        (in_progress,) = set(temp_files(var_dir)) - {orphan}
        _age(var_dir, orphan)
        _age(var_dir, in_progress)  # its client paused longer than the grace period

        assert upload_tmp_sweep(grace_seconds=60) == [orphan]
        assert temp_files(var_dir) == [in_progress]
        live.send(1.0)
        assert live.status() == 201
    finally:
        stop_web(web)
    assert Evidence.objects.filter(case=case).count() == 1

    # A web worker killed while no sweep runs: the next start-up removes what it left.
    web = start_web(var_dir, WEB_CONCURRENCY="1")
    try:
        killed = SlowUpload(web.port, case, alice)
        killed.send(0.5)
        assert wait_for(lambda: len(temp_files(var_dir)) == 1, 30)
        for worker in psutil.Process(web.pid).children():
            os.kill(worker.pid, signal.SIGKILL)
    finally:
        stop_web(web)
    assert len(temp_files(var_dir)) == 1
    stop_web(start_web(var_dir, QUARRY_UPLOAD_TMP_GRACE_SECONDS="0"))
    assert temp_files(var_dir) == []
