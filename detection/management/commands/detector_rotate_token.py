from django.core.management.base import BaseCommand, CommandError

from detection.models import Detector
from detection.services import detector_token_rotate


class Command(BaseCommand):
    help = "Give a detector a new token (printed once); the old token stops working at once."

    def add_arguments(self, parser):
        parser.add_argument("name")

    def handle(self, *args, name, **options):
        detector = Detector.objects.filter(name=name).first()
        if detector is None:
            raise CommandError(f"No detector named {name!r}.")
        token = detector_token_rotate(detector=detector)
        self.stdout.write(f"New token for {name!r}, shown this once:")
        self.stdout.write(token)
