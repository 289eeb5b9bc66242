from django.db import migrations

ROLES = ("investigator", "lead", "legal", "admin")


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    groups = Group.objects.db_manager(schema_editor.connection.alias)  # the migrating login
    for name in ROLES:
        groups.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
