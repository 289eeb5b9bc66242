from django.core.management.base import BaseCommand, CommandError

from detection.models import Detector
from detection.services import detector_token_revoke


class Command(BaseCommand):
    help = "Revoke a detector's token; rotate it to give the detector a new one."

    def add_arguments(self, parser):
        parser.add_argument("name")

    def handle(self, *args, name, **options):
        detector = Detector.objects.filter(name=name).first()
        if detector is None:
            raise CommandError(f"No detector named {name!r}.")
        detector_token_revoke(detector=detector)
        self.stdout.write(f"Token of {name!r} revoked.")
