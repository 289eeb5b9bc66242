"""The production topology as processes (issue 17, points 6 and 7): two gunicorn web servers,
a gunicorn ingestion server (QUARRY_SERVICE=ingest) and two Celery workers on Redis, one beat,
the machine's PostgreSQL and an S3-compatible store (moto's server), each started only with the
environment variables docker/compose.yml documents, not this process's environment. Detectors
push signals through the ingestion server and both web servers; the ingestion server refuses
pages; an investigator
uploads evidence, which must land in the bucket; a lead requests an export, which a worker makes
from the bucket and a web server hands out, and which verify.py accepts."""

import io
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import boto3
import psycopg
import pytest
import redis
import requests

from bench.common import free_port
from evidence.models import storage_key_for

from .deployment import strong_signal

ROOT = Path(__file__).resolve().parents[2]
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
DATABASE = "quarry_topology"
BROKER = "redis://127.0.0.1:6379/12"  # db 15 is CI's; this test owns 12
BUCKET = "quarry-evidence"
BATCHES, BATCH, ACCOUNTS = 6, 25, 10

pytestmark = pytest.mark.worker

# A detector and its token, and a lead (who may upload evidence and request exports) signed in.
SETUP = """
from django.contrib.auth.models import Group, User
from django.test import Client
from detection.services import detector_create
_, token = detector_create(name="topology")
lena = User.objects.create_user(username="lena", password="unused-in-this-test")
lena.groups.add(Group.objects.get(name="lead"))
client = Client()
client.force_login(lena)
print(token, client.cookies["sessionid"].value)
"""


def _services_reachable() -> str | None:
    """Why the test cannot run here, or None."""
    try:
        redis.Redis.from_url(BROKER, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        return f"Redis on 127.0.0.1:6379 is not reachable ({exc})"
    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3) as conn:
            version = conn.info.server_version
    except psycopg.OperationalError as exc:
        return f"PostgreSQL on 127.0.0.1:5432 (user postgres) is not reachable ({exc})"
    if version < 150000:
        return f"the PostgreSQL on 127.0.0.1:5432 is {version}, older than 15"
    return None


def _wait_for(predicate: Callable[[], bool], what: str, seconds: float = 120.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


class Topology:
    """The processes of one deployment, their shared environment and their logs."""

    def __init__(self, base: Path):
        self.base = base
        self.processes: list[tuple[str, subprocess.Popen]] = []
        s3_port = free_port()
        self.s3_url = f"http://127.0.0.1:{s3_port}"
        # Only what a container would get: the documented variables and a bare shell's own.
        self.env = {
            "PATH": os.environ["PATH"],
            "HOME": str(base / "home"),
            "LANG": "C.UTF-8",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
            "CELERY_BROKER_URL": BROKER,
            "EVIDENCE_STORAGE": "s3",
            "AWS_STORAGE_BUCKET_NAME": BUCKET,
            "AWS_S3_ENDPOINT_URL": self.s3_url,
            "AWS_S3_REGION_NAME": "us-east-1",
            "AWS_ACCESS_KEY_ID": "quarry",
            "AWS_SECRET_ACCESS_KEY": "quarry-topology-secret",
            "QUARRY_VAR_DIR": str(base / "var"),
            "QUARRY_EXPORT_KEY_PATH": str(base / "var" / "keys" / "export_ed25519.pem"),
            "QUARRY_EXPORT_DIR": str(base / "var" / "exports"),
            # Plain HTTP on 127.0.0.1: the session cookie must travel without TLS.
            "SECURE_COOKIES": "false",
        }
        (base / "home").mkdir()
        self.start("s3", [str(Path(sys.executable).with_name("moto_server")), "-p", str(s3_port)])
        _wait_for(self._s3_answers, "the S3 server", 60)
        self.s3 = boto3.client(
            "s3",
            endpoint_url=self.s3_url,
            region_name="us-east-1",
            aws_access_key_id=self.env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=self.env["AWS_SECRET_ACCESS_KEY"],
        )
        self.s3.create_bucket(Bucket=BUCKET)

    def _s3_answers(self) -> bool:
        try:
            requests.get(self.s3_url, timeout=2)
            return True
        except requests.ConnectionError:
            return False

    def start(
        self, name: str, argv: list[str], env: dict[str, str] | None = None
    ) -> subprocess.Popen:
        log = open(self.base / f"{name}.log", "wb")  # noqa: SIM115 (the process holds it)
        process = subprocess.Popen(
            argv, cwd=ROOT, env={**self.env, **(env or {})}, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        self.processes.append((name, process))
        return process

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def web(self, name: str, service: str = "web") -> str:
        port = free_port()
        # The image's command: gthread workers, as docker/Dockerfile runs them; the ingestion
        # service is the same command with QUARRY_SERVICE=ingest (docker/compose.yml's `ingest`).
        self.start(
            name,
            [sys.executable, "-m", "gunicorn", "config.wsgi:application",
             "--bind", f"127.0.0.1:{port}", "--workers", "1", "--worker-class", "gthread",
             "--threads", "4", "--timeout", "120"],
            env={"QUARRY_SERVICE": service},
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        _wait_for(lambda: self._answers(f"{url}/healthz"), f"{name} to answer", 90)
        return url

    @staticmethod
    def _answers(url: str) -> bool:
        try:
            return requests.get(url, timeout=5).status_code == 200
        except requests.ConnectionError:
            return False

    def celery(self, name: str, *args: str) -> None:
        self.start(name, [sys.executable, "-m", "celery", "-A", "config", *args])

    def log(self, name: str) -> str:
        return (self.base / f"{name}.log").read_text(errors="replace")

    def stop(self) -> None:
        for _, process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for _, process in self.processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def exited(self) -> list[str]:
        return [
            f"{name} exited {p.returncode}" for name, p in self.processes if p.poll() is not None
        ]


@pytest.fixture
def topology(tmp_path):
    reason = _services_reachable()
    if reason:
        pytest.skip(reason)
    broker = redis.Redis.from_url(BROKER)
    broker.flushdb()
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DATABASE}")
    deployment = Topology(tmp_path)
    try:
        yield deployment
    finally:
        deployment.stop()
        broker.flushdb()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


def _signals(batch: int) -> list[dict]:
    """Strong signals whose accounts all share one payment fingerprint: one cluster."""
    return [
        strong_signal(
            f"topology-{batch}-{n}",
            f"topology-acct-{(batch * BATCH + n) % ACCOUNTS}",
            "pf-topology",
        )
        for n in range(BATCH)
    ]


def _scalar(url: str, sql: str, params: list | None = None):
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params or []).fetchone()[0]


def test_two_webs_two_workers_beat_postgres_redis_and_s3(topology):
    db = topology.env["DATABASE_URL"]
    topology.manage("migrate", "--noinput")
    token, session_id = topology.manage("shell", "-c", SETUP).split()[-2:]
    webs = [topology.web("web1"), topology.web("web2")]
    ingest = topology.web("ingest", service="ingest")
    for n in (1, 2):
        topology.celery(
            f"worker{n}", "worker", "--hostname", f"topology{n}@%h", "--concurrency", "1",
            "--loglevel", "INFO",
        )  # fmt: skip
    topology.celery(
        "beat", "beat", "--loglevel", "INFO",
        "--scheduler", "django_celery_beat.schedulers:DatabaseScheduler",
    )  # fmt: skip

    # Detectors push through the ingestion server and, as before it existed, through both web
    # servers; the two workers route concurrently.
    senders = [ingest, *webs]
    for batch in range(BATCHES):
        response = requests.post(
            f"{senders[batch % len(senders)]}/api/v1/signals",
            data=json.dumps({"signals": _signals(batch)}),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
            timeout=60,
        )
        assert response.status_code == 201, response.text
        assert response.json()["created"] == BATCH
    total = BATCHES * BATCH
    # The ingestion server answers detectors only: no pages, no other API.
    assert requests.get(f"{ingest}/login/", timeout=30).status_code == 404
    assert requests.get(f"{ingest}/api/v1/cases", timeout=30).status_code == 404
    assert requests.get(f"{webs[0]}/login/", timeout=30).status_code == 200
    _wait_for(
        lambda: (
            _scalar(db, "SELECT count(*) FROM detection_signal WHERE routed_at IS NOT NULL")
            == total
        ),
        "the workers to route every signal",
    )
    # One cluster, one open case, although two workers routed its signals at once.
    assert _scalar(db, "SELECT count(*) FROM cases_case") == 1
    number = _scalar(db, "SELECT number FROM cases_case")
    assert _scalar(db, "SELECT count(*) FROM detection_signal WHERE case_id IS NOT NULL") == total

    # Evidence through the second web server goes to the bucket, content-addressed.
    lead = requests.Session()
    lead.cookies.set("sessionid", session_id)
    assert lead.get(f"{webs[1]}/cases/{number}", timeout=30).status_code == 200
    csrf = {"X-CSRFToken": lead.cookies["csrftoken"]}
    data = b"account,exit_ip\ntopology-acct-1,198.51.100.7\n" * 2000
    response = lead.post(
        f"{webs[1]}/cases/{number}/evidence",
        files={"file": ("exit-ips.csv", data, "text/csv")},
        data={"description": "Exit IPs", "source": "proxy logs"},
        headers={**csrf, "Accept": "application/json"},
        timeout=60,
    )
    assert response.status_code == 201, response.text
    stored = response.json()["files"][0]
    key = storage_key_for(stored["sha256"])
    assert topology.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == data
    assert not list((topology.base / "var").glob("evidence/**/*.csv"))  # not on local disk

    # The export is requested on the first web server, built by a worker from the bucket and
    # downloaded from the second.
    response = lead.post(
        f"{webs[0]}/api/v1/cases/{number}/exports", json={}, headers=csrf, timeout=30
    )
    assert response.status_code == 202, response.text
    export_id = response.json()["id"]

    def export_finished() -> bool:
        status = lead.get(f"{webs[0]}/api/v1/cases/{number}/exports/{export_id}", timeout=30)
        return status.json()["status"] in ("done", "failed")

    _wait_for(export_finished, "the export", 240)
    detail = lead.get(f"{webs[0]}/api/v1/cases/{number}/exports/{export_id}", timeout=30).json()
    assert detail["status"] == "done", detail
    bundle = lead.get(f"{webs[1]}/api/v1/cases/{number}/exports/{export_id}/download", timeout=120)
    assert bundle.status_code == 200
    path = topology.base / "bundle.zip"
    path.write_bytes(bundle.content)
    with zipfile.ZipFile(io.BytesIO(bundle.content)) as archive:
        names = archive.namelist()
        [evidence_name] = [n for n in names if "/data/evidence/" in f"/{n}"]
        assert archive.read(evidence_name) == data
        [verifier] = [n for n in names if n.endswith("verify.py")]
        (topology.base / "verify.py").write_bytes(archive.read(verifier))
    # As a recipient would check it: verify.py in a fresh interpreter, no Quarry around, against
    # the key the deployment publishes (any web server: they share the key on QUARRY_VAR_DIR).
    published = requests.get(f"{webs[0]}/exports/public-key.pem", timeout=30)
    assert published.status_code == 200
    (topology.base / "lab-key.pem").write_bytes(published.content)
    check = subprocess.run(
        [
            sys.executable,
            "-I",
            str(topology.base / "verify.py"),
            str(path),
            "--public-key",
            str(topology.base / "lab-key.pem"),
        ],  # fmt: skip
        cwd=topology.base,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.startswith("OK: ")

    # Beat, on the database scheduler, sent its periodic tasks through Redis to the workers.
    done = re.compile(r"Task detection\.tasks\.feeds_poll_due\[[0-9a-f-]+\] succeeded")
    _wait_for(
        lambda: done.search(topology.log("worker1") + topology.log("worker2")) is not None,
        "a periodic task sent by beat to be run by a worker",
        60,
    )
    assert "Sending due task detection-feeds-poll-due" in topology.log("beat")
    assert topology.exited() == []
