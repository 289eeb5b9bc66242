from django.apps import AppConfig
from django.conf import settings
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate

from . import db_priority


def _app_privileges_grant(sender, using: str, **kwargs) -> None:
    """After every migrate, as the migrating (owner) login: the app login's table grants, so
    a table added by a later migration gets them too (config/db_roles.py)."""
    from django.conf import settings
    from django.db import connections

    from config.db_roles import privileges_grant

    with connections[using].cursor() as cursor:
        privileges_grant(cursor, app=settings.QUARRY_DATABASE_APP_ROLE)


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Quarry core"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the start-up checks

        post_migrate.connect(_app_privileges_grant, sender=self)
        if settings.QUARRY_DB_BACKEND_PRIORITY:
            connection_created.connect(db_priority.on_connection_created)
