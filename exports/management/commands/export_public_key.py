from django.core.management.base import BaseCommand

from exports.keys import export_key_load, key_fingerprint, public_key_pem


class Command(BaseCommand):
    help = (
        "Print the export signing key's public half (PEM) on stdout, and its fingerprint on "
        "stderr. Creates the key on first use."
    )

    def handle(self, *args, **options):
        key = export_key_load()
        self.stdout.write(public_key_pem(key).decode(), ending="")
        self.stderr.write(f"SHA-256 fingerprint: {key_fingerprint(key.public_key())}")
