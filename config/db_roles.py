"""The two PostgreSQL logins Quarry uses, so that the application's own password is not enough
to rewrite the audit trail.

- the **owner** login owns every table, function and trigger; only `manage.py migrate` uses it
  (DATABASE_OWNER_URL).
- the **app** login (DATABASE_URL) owns nothing: it may read and write the working tables, but
  on the append-only tables (APPEND_ONLY_TABLES) only SELECT and INSERT. Not being an owner or a
  superuser, it cannot disable a trigger, TRUNCATE, or set `session_replication_role`.

Roles are cluster-wide, so the embedded cluster and the tests name them after the database
(`quarry_owner`, `quarry_app`; `quarry_ci_owner`, ...). Every function here is idempotent.
"""

from psycopg import errors, sql

# Rows that record what happened: never updated, never deleted, by anyone but the owner.
APPEND_ONLY_TABLES = (
    "cases_caseevent",
    "cases_commentversion",
    "evidence_custodyevent",
    "evidence_evidence",
    "evidence_evidencelink",
)


def role_names(database: str) -> tuple[str, str]:
    """(owner, app) login names for a database."""
    return f"{database}_owner", f"{database}_app"


def roles_ensure(cursor, *, owner: str, app: str, owner_createdb: bool) -> None:
    """As a superuser: create both logins, or reset their attributes if they exist. The owner
    may create databases only where the test suite needs it to (its own test database)."""
    createdb = "CREATEDB" if owner_createdb else "NOCREATEDB"
    for role, extra in ((owner, createdb), (app, "NOCREATEDB")):
        attributes = f"LOGIN NOSUPERUSER NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT {extra}"
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone() is None:
            try:
                cursor.execute(sql.SQL("CREATE ROLE {} " + attributes).format(sql.Identifier(role)))
                continue
            except errors.DuplicateObject:  # another process created it in the meantime
                pass
        cursor.execute(sql.SQL("ALTER ROLE {} " + attributes).format(sql.Identifier(role)))


def database_adopt(cursor, *, database: str, owner: str) -> None:
    """As a superuser connected to `database`: hand the database and every object in its public
    schema to the owner login. Databases made before the two logins existed were owned by the
    superuser; after this the owner can migrate them."""
    ident = sql.Identifier
    cursor.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(ident(database), ident(owner)))
    cursor.execute(
        "SELECT c.relkind, c.relname FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S') "
        "AND pg_get_userbyid(c.relowner) <> %s "
        # a sequence that belongs to a column follows its table
        "AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d "
        "WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')))",
        [owner],
    )
    kinds = {"S": "SEQUENCE", "v": "VIEW", "m": "MATERIALIZED VIEW"}
    for kind, name in cursor.fetchall():
        statement = sql.SQL("ALTER {} public.{} OWNER TO {}").format(
            sql.SQL(kinds.get(kind, "TABLE")), ident(name), ident(owner)
        )
        cursor.execute(statement)
    cursor.execute(
        "SELECT p.oid::regprocedure::text FROM pg_proc p "
        "JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> %s",
        [owner],
    )
    for (signature,) in cursor.fetchall():
        cursor.execute(
            sql.SQL("ALTER FUNCTION {} OWNER TO {}").format(sql.SQL(signature), ident(owner))
        )


def privileges_grant(cursor, *, app: str) -> None:
    """As the owner, after every migration (and restore): what the app login may do, table by
    table, so that a table added later gets its grants too. Nothing when the app and the owner
    are one login."""
    cursor.execute("SELECT current_user")
    if cursor.fetchone()[0] == app:
        return
    role = sql.Identifier(app)
    cursor.execute(
        sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(
            role
        )
    )
    cursor.execute(
        sql.SQL("GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {}").format(role)
    )
    cursor.execute("SHOW server_version_num")
    maintain = int(cursor.fetchone()[0]) >= 170000  # the MAINTAIN privilege exists
    if maintain:
        # VACUUM and ANALYZE after bulk loads (seed_bench); no trigger or TRUNCATE rights.
        cursor.execute(sql.SQL("GRANT MAINTAIN ON ALL TABLES IN SCHEMA public TO {}").format(role))
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relname = ANY(%s)",
        [list(APPEND_ONLY_TABLES)],
    )
    tables = [sql.Identifier(name) for (name,) in cursor.fetchall()]
    if tables:
        cursor.execute(
            sql.SQL(
                "REVOKE UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES"
                + (", MAINTAIN" if maintain else "")
                + " ON {} FROM {}"
            ).format(sql.SQL(", ").join(tables), role)
        )
