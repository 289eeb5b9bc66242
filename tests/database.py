"""The test database's logins (config/db_roles.py).

The suite connects as a superuser that *acts as* the app login (`-c role=<app>` at connection
time): every query of the code under test runs with exactly the app's privileges, so a path
that needed more (an UPDATE of an audit event, a TRUNCATE) fails here as in production. The
test database is created and migrated acting as the owner login, like `manage.py migrate`.
A test that plays the insider with the superuser password uses `as_superuser()`, and
tests/core/test_database_roles.py also connects with the app login itself.

In CI (DATABASE_URL is the machine's superuser) the two logins are created here, named after
the database (`quarry_ci_owner`, `quarry_ci_app`); the embedded cluster has them already."""

from collections.abc import Iterator
from contextlib import contextmanager

import dj_database_url
import psycopg
from django.conf import settings
from django.db import connection, connections, transaction

from config import db_roles
from config.env import EMBEDDED_DATABASE, embedded_database_url, env_str


def _superuser_url() -> str:
    return env_str("DATABASE_URL") or embedded_database_url("postgres")


def _configured() -> dict:
    return dj_database_url.parse(_superuser_url())


def role_names() -> tuple[str, str]:
    return db_roles.role_names(_configured()["NAME"] or EMBEDDED_DATABASE)


def _connect(dbname: str, **kwargs) -> psycopg.Connection:
    url = _configured()
    return psycopg.connect(
        host=url["HOST"],
        port=url["PORT"] or 5432,
        user=url["USER"],
        password=url.get("PASSWORD") or None,
        dbname=dbname,
        autocommit=True,
        **kwargs,
    )


def act_as(role: str) -> None:
    """From the next connection on, the default alias acts as `role`."""
    for alias in ("default", "owner"):
        options = connections[alias].settings_dict.setdefault("OPTIONS", {})
        options["options"] = f"-c jit=off -c role={role}"
        connections[alias].close()


def logins_prepare() -> None:
    """Before the test database is set up: both logins exist, the default alias logs in as
    the superuser, and a test database kept from before the logins existed is handed to the
    owner (so the owner can migrate it)."""
    owner, app = role_names()
    url = _configured()
    with _connect("postgres") as conn, conn.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone()[0], "the tests need a superuser login in DATABASE_URL"
        db_roles.roles_ensure(cursor, owner=owner, app=app, owner_createdb=True)
        test_name = f"test_{url['NAME']}"
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [test_name])
        kept = cursor.fetchone() is not None
    if kept:
        with _connect(test_name) as conn, conn.cursor() as cursor:
            db_roles.database_adopt(cursor, database=test_name, owner=owner)
    for alias in ("default", "owner"):
        connections[alias].settings_dict.update(
            USER=url["USER"], PASSWORD=url.get("PASSWORD") or ""
        )
    settings.QUARRY_DATABASE_APP_ROLE = app
    act_as(owner)


def app_login_url() -> str:
    """The app login's own URL for the test database (for worker processes)."""
    db = connection.settings_dict
    return f"postgres://{role_names()[1]}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def superuser_connect(database: str | None = None) -> psycopg.Connection:
    """A connection of the superuser's own (autocommit) to the test database, or to another one
    of the server, e.g. to watch other sessions in pg_stat_activity."""
    return _connect(database or connection.settings_dict["NAME"])


def app_login_connect() -> psycopg.Connection:
    """A connection with the app's own login, not the superuser acting as it."""
    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"],
        port=db["PORT"] or 5432,
        user=role_names()[1],
        dbname=db["NAME"],
        autocommit=True,
        options="-c lock_timeout=5s",
    )


@contextmanager
def as_superuser(*, triggers: bool = False) -> Iterator:
    """A cursor of the test connection that is the superuser, with triggers off unless
    `triggers`, for a block: what an insider with the superuser password can do (and the
    checkpoints must catch)."""
    with connection.cursor() as cursor:
        cursor.execute("SET ROLE NONE")
        if not triggers:
            cursor.execute("SET session_replication_role = replica")
        try:
            with transaction.atomic():  # a refused statement leaves the connection usable
                yield cursor
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")
            cursor.execute("RESET ROLE")


def flush_as_owner(operations, sql_list: list[str]) -> None:
    """Django's flush between transactional tests, run as the superuser: the app login may not
    TRUNCATE, and the append-only tables refuse TRUNCATE until their trigger is disabled (in
    the same transaction, so it is back on when the flush commits)."""
    alias = operations.connection.alias
    with transaction.atomic(using=alias), operations.connection.cursor() as cursor:
        cursor.execute("SET LOCAL ROLE NONE")
        for table in db_roles.APPEND_ONLY_TABLES:
            cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER "{table}_no_truncate"')
        for statement in sql_list:
            cursor.execute(statement)
        for table in db_roles.APPEND_ONLY_TABLES:
            cursor.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER "{table}_no_truncate"')
