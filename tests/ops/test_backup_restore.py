"""Backup and restore as the README describes them: `manage.py backup DEST` (the database with
the pg_dump of the server's own version, and the evidence store), `manage.py restore SRC` into
a fresh database and evidence store; `verify_integrity` then finds everything intact."""

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from tests.helpers import add_evidence


def _url_for(database: str) -> str:
    params = connection.settings_dict
    host, port = params["HOST"] or "127.0.0.1", params["PORT"] or 5432
    password = f":{params['PASSWORD']}" if params["PASSWORD"] else ""
    return f"postgres://{params['USER']}{password}@{host}:{port}/{database}"


def _admin(sql: str) -> None:
    with psycopg.connect(_url_for("postgres"), autocommit=True) as admin:
        admin.execute(sql)


@pytest.fixture
def restored_name():
    name = f"{connection.settings_dict['NAME']}_restored"
    _admin(f'DROP DATABASE IF EXISTS "{name}"')
    _admin(f'CREATE DATABASE "{name}"')
    yield name
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _manage(database: str, var_dir: Path, *args: str) -> subprocess.CompletedProcess:
    """A command in another process, against the restored database and var directory."""
    env = {**os.environ, "DATABASE_URL": _url_for(database), "QUARRY_VAR_DIR": str(var_dir)}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_restored_backup_verifies(
    transactional_db, alice, case, evidence_dir, tmp_path, restored_name
):
    add_evidence(case, alice, b"prompt log\n" * 100, "prompts.jsonl")
    add_evidence(case, alice, b"ts,account\n", "usage.csv")
    backup_dir = tmp_path / "backup"
    call_command("backup", str(backup_dir))
    assert (backup_dir / "quarry.dump").stat().st_size > 0
    assert len([p for p in (backup_dir / "evidence").rglob("*") if p.is_file()]) == 2

    var_dir = tmp_path / "restored-var"
    result = _manage(restored_name, var_dir, "restore", str(backup_dir))
    assert result.returncode == 0, result.stderr
    assert "2 files copied" in result.stdout

    result = _manage(restored_name, var_dir, "verify_integrity")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK" in result.stdout


def test_a_restore_missing_evidence_is_reported(
    transactional_db, alice, case, evidence_dir, tmp_path, restored_name
):
    """The check above can fail: a backup without its evidence store does not verify."""
    add_evidence(case, alice, b"prompt log\n", "prompts.jsonl")
    backup_dir = tmp_path / "backup"
    call_command("backup", str(backup_dir))
    for path in sorted((backup_dir / "evidence").rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    var_dir = tmp_path / "empty-var"
    assert _manage(restored_name, var_dir, "restore", str(backup_dir)).returncode == 0
    result = _manage(restored_name, var_dir, "verify_integrity")
    assert result.returncode != 0
    assert "MISMATCH" in result.stdout


@pytest.mark.django_db(transaction=True, databases=["default", "owner"])
def test_a_restore_never_writes_over_a_database_in_use(tmp_path):  # restore is the owner's
    call_command("backup", str(tmp_path / "backup"))
    with pytest.raises(CommandError, match="is not empty"):
        call_command("restore", str(tmp_path / "backup"))


def test_a_backup_goes_into_a_new_directory(transactional_db, tmp_path):
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "something").write_text("kept")
    with pytest.raises(CommandError, match="not empty"):
        call_command("backup", str(tmp_path / "old"))
    assert (tmp_path / "old" / "something").read_text() == "kept"
