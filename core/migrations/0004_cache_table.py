from django.core.management import call_command
from django.db import migrations


def cache_table_create(apps, schema_editor):
    # Whatever database caches the settings name (none when CACHE_URL is a Redis).
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    """The default cache is a table (config/settings.py): throttle counters shared by every
    web process without a Redis."""

    dependencies = [("core", "0003_signin_failure_delete")]

    operations = [migrations.RunPython(cache_table_create, migrations.RunPython.noop)]
