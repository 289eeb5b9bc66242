"""The app's own database login cannot rewrite what the audit trail, the custody log and the
evidence rows record: each refusal tried with that login itself (tests/database.py)."""

import psycopg
import pytest
from django.db import DatabaseError

from config.db_roles import APPEND_ONLY_TABLES
from tests.database import app_login_connect, as_superuser

pytestmark = pytest.mark.django_db


@pytest.fixture
def app_cursor(db):
    with app_login_connect() as conn, conn.cursor() as cursor:
        yield cursor


def test_the_app_login_is_no_superuser_and_owns_nothing(app_cursor):
    app_cursor.execute(
        "SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls "
        "FROM pg_roles WHERE rolname = current_user"
    )
    assert app_cursor.fetchone() == (False, False, False, False, False)
    app_cursor.execute(
        "SELECT count(*) FROM pg_class WHERE relowner = "
        "(SELECT oid FROM pg_roles WHERE rolname = current_user)"
    )
    assert app_cursor.fetchone()[0] == 0


@pytest.mark.parametrize("table", APPEND_ONLY_TABLES)
def test_the_app_login_may_only_read_and_append(app_cursor, table):
    app_cursor.execute(
        "SELECT privilege_type FROM information_schema.role_table_grants "
        "WHERE table_name = %s AND grantee = current_user ORDER BY 1",
        [table],
    )
    assert [row[0] for row in app_cursor.fetchall()] == ["INSERT", "SELECT"]
    app_cursor.execute(f"SELECT count(*) FROM {table}")


@pytest.mark.parametrize("table", APPEND_ONLY_TABLES)
@pytest.mark.parametrize(
    "statement",
    [
        "TRUNCATE {table}",
        "DELETE FROM {table}",
        "UPDATE {table} SET id = id",
        "ALTER TABLE {table} DISABLE TRIGGER ALL",
        "ALTER TABLE {table} DISABLE TRIGGER {table}_append_only",
        "DROP TABLE {table}",
    ],
)
def test_the_app_login_cannot_change_or_remove_rows(app_cursor, table, statement):
    if "_append_only" in statement and table == "evidence_evidence":
        statement = statement.replace("_append_only", "_immutable")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        app_cursor.execute(statement.format(table=table))


@pytest.mark.parametrize(
    "statement",
    [
        "SET session_replication_role = replica",
        "SET LOCAL session_replication_role = replica",
        "SET ROLE postgres",
        "CREATE TABLE intruder (id int)",
    ],
)
def test_the_app_login_cannot_turn_triggers_off_or_create_tables(app_cursor, statement):
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        app_cursor.execute(statement)


@pytest.mark.parametrize("table", APPEND_ONLY_TABLES)
def test_truncate_is_refused_even_to_the_superuser_with_triggers_on(table):
    refused = f"table {table} is append-only: TRUNCATE refused"
    with pytest.raises(DatabaseError, match=refused), as_superuser(triggers=True) as cursor:
        cursor.execute(f"TRUNCATE {table} CASCADE")


def test_a_database_made_before_the_two_logins_is_handed_to_the_owner():
    """`make run` on a var/ from before the split: what the superuser made, the owner gets."""
    from django.db import connection

    from config.db_roles import database_adopt
    from tests.database import role_names

    owner, _ = role_names()
    with as_superuser(triggers=True) as cursor:
        cursor.execute("CREATE TABLE legacy_by_superuser (id serial PRIMARY KEY)")
        cursor.execute(
            "CREATE FUNCTION legacy_by_superuser() RETURNS int LANGUAGE sql AS 'SELECT 1'"
        )
        database_adopt(cursor.cursor, database=connection.settings_dict["NAME"], owner=owner)
        cursor.execute(
            "SELECT relname, pg_get_userbyid(relowner) FROM pg_class "
            "WHERE relname LIKE 'legacy_by_superuser%%' ORDER BY relname"
        )
        assert {name: who for name, who in cursor.fetchall()} == {
            "legacy_by_superuser": owner,
            "legacy_by_superuser_id_seq": owner,
            "legacy_by_superuser_pkey": owner,
        }
        cursor.execute(
            "SELECT pg_get_userbyid(proowner) FROM pg_proc WHERE proname = 'legacy_by_superuser'"
        )
        assert cursor.fetchone()[0] == owner
