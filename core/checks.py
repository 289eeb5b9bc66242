"""Deployment checks of the database logins (`manage.py check --deploy`)."""

from django.conf import settings
from django.core import checks


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
            "owns nothing (README, 'Tamper-evidence').",
            id="quarry.W001",
        )
    ]
