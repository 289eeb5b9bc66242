from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from detection.models import Detector
from detection.services import detector_create


class Command(BaseCommand):
    help = "Create a detector and print its API token (shown this once only)."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--description", default="")
        parser.add_argument("--pull", action="store_true", help="Poll this detector's feed.")
        parser.add_argument("--feed-url", default="")
        parser.add_argument(
            "--auth-header",
            default="",
            help='Sent with each feed request, e.g. "Authorization: Bearer s3cret".',
        )
        parser.add_argument("--poll-interval", type=int, default=30, help="Seconds between polls.")
        parser.add_argument("--hmac-secret", default="", help="Require signed request bodies.")
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help="Do nothing if a detector of this name exists.",
        )

    def handle(self, *args, name, pull, feed_url, auth_header, poll_interval, **options):
        if options["if_missing"] and Detector.objects.filter(name=name).exists():
            self.stdout.write(f"Detector {name!r} exists already; nothing changed.")
            return
        try:
            detector, token = detector_create(
                name=name,
                description=options["description"],
                pull=pull,
                feed_url=feed_url,
                feed_auth_header=auth_header,
                poll_interval_seconds=poll_interval,
                hmac_secret=options["hmac_secret"],
            )
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"Created {detector.mode} detector {detector.name!r}.")
        self.stdout.write("Its token, shown this once (only its hash is kept):")
        self.stdout.write(token)
