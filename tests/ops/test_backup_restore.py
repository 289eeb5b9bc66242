"""Backup and restore as the README describes them: `pg_dump -Fc` of the database and a copy of
the evidence store; restored into a fresh database, `verify_integrity` finds everything intact."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.helpers import add_evidence

pytestmark = pytest.mark.skipif(not shutil.which("pg_dump"), reason="needs pg_dump and psql")


def _url_for(database: str) -> str:
    params = connection.settings_dict
    host, port = params["HOST"] or "127.0.0.1", params["PORT"] or 5432
    password = f":{params['PASSWORD']}" if params["PASSWORD"] else ""
    return f"postgres://{params['USER']}{password}@{host}:{port}/{database}"


def _run(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=300, **kwargs)


@pytest.fixture
def restored_name():
    name = f"{connection.settings_dict['NAME']}_restored"
    admin = _url_for("postgres")
    _run(["psql", admin, "-c", f'DROP DATABASE IF EXISTS "{name}"'])
    yield name
    _run(["psql", admin, "-c", f'DROP DATABASE IF EXISTS "{name}"'])


def _verify(database_url: str, var_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "QUARRY_VAR_DIR": str(var_dir)}
    return _run(
        [sys.executable, "manage.py", "verify_integrity"], cwd=Path(settings.BASE_DIR), env=env
    )


def test_a_restored_backup_verifies(
    transactional_db, alice, case, evidence_dir, tmp_path, restored_name
):
    add_evidence(case, alice, b"prompt log\n" * 100, "prompts.jsonl")
    add_evidence(case, alice, b"ts,account\n", "usage.csv")
    source = _url_for(connection.settings_dict["NAME"])

    # Backup: the database, then the evidence store (files are content-addressed and never
    # rewritten, so copying after the dump captures every file the dump refers to).
    dump = tmp_path / "quarry.dump"
    assert _run(["pg_dump", "-Fc", "-f", str(dump), source]).returncode == 0
    backup_store = tmp_path / "backup" / "evidence"
    shutil.copytree(evidence_dir, backup_store)

    # Restore into a fresh database and a fresh var directory.
    assert (
        _run(["psql", _url_for("postgres"), "-c", f'CREATE DATABASE "{restored_name}"']).returncode
        == 0
    )
    restored = _url_for(restored_name)
    result = _run(["pg_restore", "--no-owner", "-d", restored, str(dump)])
    assert result.returncode == 0, result.stderr
    var_dir = tmp_path / "restored-var"
    shutil.copytree(backup_store, var_dir / "evidence")

    result = _verify(restored, var_dir)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK" in result.stdout


def test_a_restore_missing_evidence_is_reported(
    transactional_db, alice, case, evidence_dir, tmp_path, restored_name
):
    """The check above can fail: a backup without the evidence store does not verify."""
    add_evidence(case, alice, b"prompt log\n", "prompts.jsonl")
    dump = tmp_path / "quarry.dump"
    assert (
        _run(
            ["pg_dump", "-Fc", "-f", str(dump), _url_for(connection.settings_dict["NAME"])]
        ).returncode
        == 0
    )
    _run(["psql", _url_for("postgres"), "-c", f'CREATE DATABASE "{restored_name}"'])
    restored = _url_for(restored_name)
    assert _run(["pg_restore", "--no-owner", "-d", restored, str(dump)]).returncode == 0
    result = _verify(restored, tmp_path / "empty-var")
    assert result.returncode != 0
    assert "MISMATCH" in result.stdout
