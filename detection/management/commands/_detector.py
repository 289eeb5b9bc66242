from abc import ABCMeta, abstractmethod

from django.core.management.base import BaseCommand, CommandError

from detection.models import Detector


class DetectorCommand(BaseCommand, metaclass=ABCMeta):
    """A command acting on one detector, named on the command line."""

    def add_arguments(self, parser):
        parser.add_argument("name")

    def handle(self, *args, name, **options):
        detector = Detector.objects.filter(name=name).first()
        if detector is None:
            raise CommandError(f"No detector named {name!r}.")
        self.act(detector)

    @abstractmethod
    def act(self, detector: Detector) -> None:
        """Do the command's work on the detector."""
