from django.core.management.base import BaseCommand, CommandError

from cases.audit import chain_verify
from cases.models import Case
from exports.checkpoints import checkpoint_compare, checkpoint_newest


class Command(BaseCommand):
    help = (
        "Recompute the audit hash chain of one case (or all) and name the first broken event; "
        "then compare the live chains with the newest checkpoint in the evidence store and name "
        "each rollback, rewritten head, truncated table, bad checkpoint signature or overdue "
        "checkpoint."
    )

    def add_arguments(self, parser):
        parser.add_argument("case", nargs="?", help="a case number such as QRY-2026-00042")

    def handle(self, *args, case=None, **options):
        cases = Case.objects.order_by("id")
        if case:
            cases = cases.filter(number=case)
            if not cases.exists():
                raise CommandError(f"No case {case}.")
        broken = 0
        checked = 0
        for item in cases.iterator():
            checked += 1
            failure = chain_verify(item)
            if failure:
                broken += 1
                self.stdout.write(
                    f"BROKEN {failure.case_number} at event {failure.seq}: {failure.reason}"
                )
        checkpoint = checkpoint_newest()
        findings = checkpoint_compare(checkpoint, case_number=case)
        for finding in findings:
            self.stdout.write(str(finding))
        if broken or findings:
            raise CommandError(
                f"{broken} of {checked} audit chains are broken; "
                f"{len(findings)} difference(s) from the newest checkpoint."
            )
        anchored = f", matching checkpoint {checkpoint.name}" if checkpoint else ""
        self.stdout.write(self.style.SUCCESS(f"OK: {checked} audit chain(s) verify{anchored}."))
