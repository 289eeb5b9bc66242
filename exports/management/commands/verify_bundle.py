import tempfile

from django.core.management.base import BaseCommand, CommandError

from exports import keys, verify


class Command(BaseCommand):
    help = (
        "Verify an export bundle (zip or unzipped bag): every manifest entry, Payload-Oxum, the "
        "audit chain, the checkpoint and the signature. The same checks as the verify.py "
        "shipped in the bundle, with this deployment's export key unless --public-key."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the bundle zip or the unzipped bag directory")
        parser.add_argument(
            "--public-key",
            help="PEM file of the key to check the signature with (default: this deployment's)",
        )

    def handle(self, *args, path, public_key, **options):
        with tempfile.NamedTemporaryFile(suffix=".pem") as own:
            if not public_key:  # here, unlike a stranger, we know who should have signed
                own.write(keys.public_key_pem())
                own.flush()
                public_key = own.name
            if verify.main([path, "--public-key", public_key], out=self.stdout) != 0:
                raise CommandError("The bundle does not verify.")
