"""Start-up checks of the database Quarry writes to. Tagged `database`: Django runs them in
`migrate` (so `make run` and every deployment's migrate step) and in `check --database default`."""

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
