"""Start-up checks of the database Quarry writes to. Tagged `database`: Django runs them in
`migrate` (so `make run` and every deployment's migrate step) and in `check --database default`.
And a deployment check of the database logins (`check --deploy`)."""

from django.conf import settings
from django.core import checks
from django.db import connections

# What must hold for an acknowledgement (a 201, an upload, a state change) to mean "on disk".
# `synchronous_commit` may be stronger than `on` (remote_write, remote_apply with a synchronous
# standby); `local` is durable on this server only, and `off` acknowledges commits that a crash
# loses (docs/durability.md).
DURABLE = {
    "fsync": {"on"},
    "synchronous_commit": {"on", "remote_write", "remote_apply", "local"},
    "full_page_writes": {"on"},
}


@checks.register(checks.Tags.database)
def commits_are_durable(app_configs=None, databases=None, **kwargs) -> list[checks.CheckMessage]:
    messages = []
    for alias in databases or []:
        with connections[alias].cursor() as cursor:
            for name, allowed in DURABLE.items():
                cursor.execute(f"SHOW {name}")
                (value,) = cursor.fetchone()
                if value not in allowed:
                    messages.append(
                        checks.Error(
                            f"PostgreSQL ({alias}) runs with {name}={value}: a crash can lose "
                            "commits Quarry has already acknowledged.",
                            hint=f"Set {name} to {' or '.join(sorted(allowed))} "
                            "(docs/durability.md), or silence quarry.E002 knowingly.",
                            id="quarry.E002",
                        )
                    )
    return messages


@checks.register(checks.Tags.security, deploy=True)
def app_login_is_not_the_owner(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """With one login for the app and for migrations, whoever has the app's password owns the
    tables: they can switch the append-only triggers off (config/db_roles.py)."""
    app, owner = settings.DATABASES["default"], settings.DATABASES["owner"]
    same = (app.get("USER"), app.get("HOST"), app.get("NAME")) == (
        owner.get("USER"),
        owner.get("HOST"),
        owner.get("NAME"),
    )
    if not same:
        return []
    return [
        checks.Warning(
            f"The app and migrations use one database login ({app.get('USER')!r}).",
            hint="Set DATABASE_OWNER_URL to the owner's login and DATABASE_URL to a login that "
            "owns nothing (docs/tamper-evidence.md).",
            id="quarry.W001",
        )
    ]
