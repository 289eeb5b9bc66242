import getpass

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from cases.models import Case
from exports.models import Export, ExportStatus
from exports.services import export_path, export_request, export_run


class Command(BaseCommand):
    help = (
        "Build the legal export bundle of a case here and now (not through the worker), and "
        "print where it is. Also re-runs an export whose build was killed (--export-id)."
    )

    def add_arguments(self, parser):
        parser.add_argument("case", help="a case number such as QRY-2026-00042")
        parser.add_argument("--metadata-only", action="store_true", help="no evidence files")
        parser.add_argument(
            "--pseudonymise", action="store_true", help="account emails and names as keyed hashes"
        )
        parser.add_argument(
            "--user", help="the legal or lead user on whose behalf (default: the operator)"
        )
        parser.add_argument(
            "--export-id", type=int, help="build this queued or interrupted export again"
        )

    def handle(self, *args, case, metadata_only, pseudonymise, user, export_id, **options):
        try:
            target = Case.objects.get(number=case)
        except Case.DoesNotExist:
            raise CommandError(f"No case {case}.") from None
        if export_id is not None:
            export = Export.objects.filter(case=target, pk=export_id).first()
            if export is None:
                raise CommandError(f"Case {case} has no export {export_id}.")
        else:
            requester = None
            if user:
                requester = get_user_model().objects.filter(username=user).first()
                if requester is None:
                    raise CommandError(f"No user {user}.")
            export = export_request(
                case=target,
                user=requester,
                metadata_only=metadata_only,
                pseudonymise=pseudonymise,
                operator=f"{getpass.getuser()} (manage.py export_case)",
                enqueue=False,
            )
        self.stdout.write(f"Building export {export.pk} of {case}…")
        if export_run(export_id=export.pk) is None:
            export.refresh_from_db()
            raise CommandError(
                f"Export {export.pk} is {export.status}: nothing to build"
                + (
                    " (another worker is building it)."
                    if export.status == ExportStatus.RUNNING
                    else "."
                )
            )
        export.refresh_from_db()
        if export.status != ExportStatus.DONE:
            raise CommandError(f"Export {export.pk} failed: {export.error}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{export_path(export)}\n  {export.size} bytes, SHA-256 {export.sha256}"
            )
        )
