"""docker/compose.yml built and run with podman (docker/podman-stack.sh, with the stand-ins of
docker/compose.offline.yml where Docker Hub is out of reach): the web container answers, the
migrate container applied every migration, a detector's signal goes in through the ingestion
container (which refuses pages) and a worker container routes it into a case through the Redis
container."""

import json
import os
import re
import secrets
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import requests

from bench.common import free_port

from .deployment import strong_signal

ROOT = Path(__file__).resolve().parents[2]
STACK = ROOT / "docker" / "podman-stack.sh"
PROJECT = "quarrytest"
# What compose.yml reads from the environment. The suite's own settings (CI's DATABASE_URL and
# CELERY_BROKER_URL point at the host's services) must not reach the stack: it runs on its
# defaults, as a new deployment does, plus what the test sets.
COMPOSE_VARIABLES = frozenset(
    re.findall(r"\$\{([A-Z_][A-Z0-9_]*)", (ROOT / "docker" / "compose.yml").read_text())
)

pytestmark = pytest.mark.skipif(
    shutil.which("podman") is None or shutil.which("podman-compose") is None,
    reason="podman and podman-compose are not installed (apt-get install podman runc "
    "debootstrap podman-compose; .ci/run installs them)",
)


def _stack(env: dict, action: str, timeout: int) -> None:
    result = subprocess.run(
        [str(STACK), action], env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, f"podman-stack.sh {action}:\n{result.stdout}{result.stderr}"


def _exec(*argv: str) -> str:
    result = subprocess.run(
        ["podman", "exec", f"{PROJECT}_web_1", *argv], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _project_containers() -> list[str]:
    listed = subprocess.run(
        ["podman", "ps", "-a", "-q", "--filter", f"label=io.podman.compose.project={PROJECT}"],
        capture_output=True,
        text=True,
        check=True,
    )
    return listed.stdout.split()


@pytest.fixture
def stack():
    port, ingest_port = free_port(), free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in COMPOSE_VARIABLES},
        "QUARRY_PROJECT": PROJECT,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "QUARRY_HTTP_PORT": str(port),
        "QUARRY_INGEST_PORT": str(ingest_port),
        "MINIO_CONSOLE_PORT": str(free_port()),
    }
    _stack(env, "down", 120)  # what an interrupted earlier run left
    _stack(env, "build", 1800)
    try:
        _stack(env, "up", 600)
        yield f"http://127.0.0.1:{port}", f"http://127.0.0.1:{ingest_port}"
    finally:
        _stack(env, "down", 120)
    assert _project_containers() == []


def test_the_compose_stack_serves_migrates_and_routes_a_signal(stack):
    stack, ingest = stack
    assert requests.get(f"{stack}/api/schema/", timeout=30).status_code == 200
    sign_in = requests.get(f"{stack}/login/", timeout=30)
    assert sign_in.status_code == 200 and "<form" in sign_in.text

    # migrate --check exits non-zero while any migration is unapplied.
    _exec("python", "manage.py", "migrate", "--check", "--noinput")
    assert "[X] 0001_initial" in _exec("python", "manage.py", "showmigrations", "cases")

    token = _exec("python", "manage.py", "detector_create", "container-detector").split()[-1]
    signal = strong_signal("container-1", "container-acct", "pf-container")
    assert requests.get(f"{ingest}/login/", timeout=30).status_code == 404
    response = requests.post(
        f"{ingest}/api/v1/signals",
        data=json.dumps({"signals": [signal]}),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    assert response.json()["created"] == 1

    count = "from cases.models import Case; print('cases:', Case.objects.count())"
    deadline = time.monotonic() + 120
    while "cases: 1" not in _exec("python", "manage.py", "shell", "-c", count):
        assert time.monotonic() < deadline, "no worker routed the signal into a case"
        time.sleep(2)
