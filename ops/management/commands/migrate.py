"""`migrate` as the owner login: the app's own login (DATABASE_URL) may not create or alter
tables. After the migrations, core.apps grants the app login what it may do."""

from django.core.management.commands import migrate


class Command(migrate.Command):
    help = "Migrate as the owner login (DATABASE_OWNER_URL, the `owner` alias) unless --database."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(database="owner")
