"""Bulk loads without secondary indexes (core.pgcopy.indexes_deferred): the owner's login loads
a table bare and gets every index and foreign key back, checked; any other login changes
nothing."""

from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from psycopg import sql

from core.pgcopy import indexes_deferred
from detection.models import Detector
from devdata.management.commands.seed_bench import LOADED_TABLES
from tests.database import role_names


def _schema(tables) -> tuple[list, list]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indrelid = ANY(%s::regclass[]) ORDER BY 1",
            [list(tables)],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE conrelid = ANY(%s::regclass[]) ORDER BY 1, 2",
            [list(tables)],
        )
        return indexes, cursor.fetchall()


def _indexes(table: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = %s::regclass",
            [table],
        )
        return {row[0] for row in cursor.fetchall()}


@pytest.fixture
def as_owner(db):
    """The test connection with the owner's privileges (the suite otherwise acts as the app)."""
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role_names()[0])))
        yield
        cursor.execute("RESET ROLE")


def test_a_seed_as_the_owner_leaves_every_index_and_constraint_as_it_was(as_owner):
    before = _schema(LOADED_TABLES)
    with transaction.atomic(), indexes_deferred("detection_signal") as deferred:
        assert deferred
        assert _indexes("detection_signal") == {"detection_signal_pkey"}
    call_command("seed_bench", cases=30, signals=300, accounts=40, big_case_signals=50)
    assert _schema(LOADED_TABLES) == before


def _signal_insert(cursor, detector, external_id: str, case_id: int | None = None) -> None:
    """One signal row written as a bulk load writes it: no model, no checks of Quarry's own."""
    cursor.execute(
        "INSERT INTO detection_signal (detector_id, external_id, kind, severity, confidence, "
        "observed_at, received_at, summary, observables, payload, routing_error, case_id) "
        "VALUES (%s, %s, 'volume_anomaly', 'low', 50, now(), now(), '', '[]', '{}', '', %s)",
        [detector.pk, external_id, case_id],
    )


@contextmanager
def _failing_load():
    """A load into detection_signal with its indexes deferred, which must fail as a whole; the
    cursor it loads with."""
    with (
        pytest.raises(IntegrityError),
        transaction.atomic(),
        indexes_deferred("detection_signal"),
        connection.cursor() as cursor,
    ):
        yield cursor


def test_a_foreign_key_broken_during_the_load_fails_it(as_owner):
    detector = Detector.objects.create(name="loader")
    with _failing_load() as cursor:
        _signal_insert(cursor, detector, "x", case_id=-1)


def test_a_duplicate_loaded_past_a_unique_constraint_fails_the_load(as_owner):
    detector = Detector.objects.create(name="loader")
    with _failing_load() as cursor:
        for _ in range(2):
            _signal_insert(cursor, detector, "same")


def test_the_apps_login_loads_with_every_index_in_place(db):
    with transaction.atomic(), indexes_deferred("detection_signal") as deferred:
        assert not deferred
        assert "signal_observed" in _indexes("detection_signal")


ARRAYS = [
    [],
    ["plain"],
    ["", ""],
    ["NULL", "a,b", "{c}", " spaced "],
    ['a","b'],  # a value that holds the separator: still one element
    ["x\\y", 'q"', '\\"'],
    ["ünï", "\t tab"],
]


@pytest.mark.parametrize("values", ARRAYS)
def test_a_text_array_reads_back_as_given(db, values):
    from core.pgcopy import text_array, time_array

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT %s::text[], %s::text[]", [text_array(values), text_array(iter(values))]
        )
        assert cursor.fetchone() == (values, values)
        cursor.execute("SELECT %s::timestamptz[]", [time_array([None, None])])
        assert cursor.fetchone()[0] == [None, None]
