from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ops.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump of the server's own version) and the evidence store into "
        "DEST, a new directory. Restore with `manage.py restore DEST`."
    )

    def add_arguments(self, parser):
        parser.add_argument("dest", type=Path)
        parser.add_argument("--pg-bin", help="directory of the PostgreSQL client tools to use")

    def handle(self, *args, dest: Path, pg_bin: str | None, **options):
        try:
            result = backup(dest, bin_dir=pg_bin)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"database: {result.dump} ({result.dump_bytes} bytes)")
        self.stdout.write(
            f"evidence: {result.evidence_files} files ({result.evidence_bytes} bytes) in "
            f"{dest / 'evidence'}"
        )
        self.stdout.write(
            "The export signing key (QUARRY_EXPORT_KEY_PATH) is not in the backup: keep a copy "
            "of it apart, as the secret it is."
        )
