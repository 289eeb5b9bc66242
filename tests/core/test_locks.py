"""The advisory-lock registry (core/locks.py): no two kinds of work share a key, nothing takes
a lock the registry does not declare, and the trigger in the database uses the declared key."""

import re
from pathlib import Path

from django.db import connection

from core import locks

ROOT = Path(__file__).resolve().parents[2]
APPS = ["core", "cases", "accounts", "evidence", "detection", "routing", "exports", "web", "ops"]


def test_no_two_namespaces_collide():
    namespaces = list(locks.TWO_KEY_NAMESPACES.values())
    assert len(set(namespaces)) == len(namespaces)
    one_key = list(locks.ONE_KEY_LOCKS.values())
    assert len(set(one_key)) == len(one_key)


def test_every_namespace_fits_the_int4_key_postgresql_takes():
    assert all(0 < n < 2**31 for n in locks.TWO_KEY_NAMESPACES.values())


def test_every_lock_constant_is_in_the_registry():
    declared = {
        name: value
        for name, value in vars(locks).items()
        if name.isupper() and isinstance(value, int)
    }
    assert declared == {**locks.TWO_KEY_NAMESPACES, **locks.ONE_KEY_LOCKS}


def test_no_app_writes_a_lock_key_of_its_own():
    """A hexadecimal key beside an advisory-lock call outside core/locks.py is a lock the
    registry does not know about."""
    offenders = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if path == ROOT / "core" / "locks.py" or "migrations" in path.parts:
                continue
            text = path.read_text()
            if "advisory" in text and re.search(r"\b0x[0-9A-Fa-f_]{4,}\b", text):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_the_epoch_trigger_takes_the_registered_ingestion_lock(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_functiondef('quarry_account_epoch_advance'::regproc)")
        (definition,) = cursor.fetchone()
    assert f"pg_advisory_xact_lock({locks.ACCOUNTS_INGEST}, 0)" in definition
