from detection.services import detector_token_rotate

from ._detector import DetectorCommand


class Command(DetectorCommand):
    help = "Give a detector a new token (printed once); the old token stops working at once."

    def act(self, detector):
        token = detector_token_rotate(detector=detector)
        self.stdout.write(f"New token for {detector.name!r}, shown this once:")
        self.stdout.write(token)
