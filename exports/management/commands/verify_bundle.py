from django.core.management.base import BaseCommand, CommandError

from exports import verify


class Command(BaseCommand):
    help = (
        "Verify an export bundle (zip or unzipped bag): every manifest entry, Payload-Oxum, the "
        "audit chain and the signature. The same checks as the verify.py shipped in the bundle."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the bundle zip or the unzipped bag directory")
        parser.add_argument(
            "--public-key",
            help="PEM file of the key to check the signature with (default: the one in the bundle)",
        )

    def handle(self, *args, path, public_key, **options):
        argv = [path] + (["--public-key", public_key] if public_key else [])
        if verify.main(argv, out=self.stdout) != 0:
            raise CommandError("The bundle does not verify.")
