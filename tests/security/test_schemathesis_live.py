"""Schemathesis's CLI with every check (`--checks all`) against the running server, as a
detector and as a signed-in investigator at once (each operation uses its own scheme): no 5xx,
no undocumented status, no answer that breaks the schema, no schema-invalid input accepted.
Bounded (few examples per operation, a fixed seed) to run in CI in about two minutes."""

import subprocess
from pathlib import Path

import pytest

from .live import BIN, CSRF_SECRET, live_api

CONFIG = Path(__file__).with_name("schemathesis.toml")


@pytest.mark.django_db(transaction=True)
def test_schemathesis_finds_nothing(live_server, settings, tmp_path):
    api = live_api(live_server, settings)
    command = [
        str(BIN / "st"),
        "--config-file",
        str(CONFIG),
        "run",
        f"{api.url}/api/schema/?format=json",
        "--checks",
        "all",
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        "5",
        "--seed",
        "14",
        "--no-shrink",
        "--workers",
        "1",
        "--header",
        f"X-CSRFToken: {CSRF_SECRET}",
    ]
    result = subprocess.run(
        command, capture_output=True, text=True, cwd=tmp_path, env=api.env(), timeout=600
    )
    report = result.stdout + result.stderr
    assert result.returncode == 0, report[-8000:]
    assert "passed" in report
