from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ops.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into the configured database, which must "
        "be empty, and its evidence into the evidence store; then run `manage.py "
        "verify_integrity`."
    )

    def add_arguments(self, parser):
        parser.add_argument("src", type=Path)
        parser.add_argument("--pg-bin", help="directory of the PostgreSQL client tools to use")

    def handle(self, *args, src: Path, pg_bin: str | None, **options):
        try:
            result = restore(src, bin_dir=pg_bin)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"database restored from {src / 'quarry.dump'}; evidence: {result.evidence_files} "
            f"files copied, {result.evidence_present} already present."
        )
        self.stdout.write("Next: python manage.py verify_integrity (must print OK).")
