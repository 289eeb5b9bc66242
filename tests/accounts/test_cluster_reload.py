"""The bulk rewrite of the membership table (a full recompute moving most accounts) drops its
keys around a COPY; the owner's two functions must put back exactly what was there, and the
second must never run statements the app login wrote itself."""

import pytest
from django.db import DatabaseError, connection, transaction

from accounts.clustering import cluster_recompute_all

from .conftest import account_with

_KEYS = """
    SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
     WHERE conrelid = 'accounts_clustermember'::regclass
    UNION ALL
    SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'accounts_clustermember'
"""


def _keys() -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(_KEYS)
        return set(cursor.fetchall())


def test_a_rewrite_of_the_membership_table_puts_back_its_keys_and_indexes(db):
    before = _keys()
    for _ in range(4):
        account_with(("payment_fingerprint", "pf-k"))
    result = cluster_recompute_all()
    assert result.moved == 4  # the whole table: the bulk rewrite
    assert _keys() == before
    assert any(definition.startswith("PRIMARY KEY") for _, definition in before)


def test_the_end_of_a_reload_refuses_without_its_beginning(db):
    with (
        pytest.raises(DatabaseError, match="was not called"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SELECT quarry_clustermember_reload_end()")


def test_the_end_of_a_reload_refuses_a_note_the_app_wrote(db):
    with (
        pytest.raises(DatabaseError, match="was not called"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "CREATE TEMP TABLE clustermember_reload_note "
            "(position integer, drop_statement text, create_statement text) ON COMMIT DROP"
        )
        cursor.execute(
            "INSERT INTO clustermember_reload_note VALUES "
            "(1, '', 'DROP TABLE public.accounts_clustermember')"
        )
        cursor.execute("SELECT quarry_clustermember_reload_end()")
    assert _keys()
