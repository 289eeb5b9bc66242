from detection.services import detector_token_revoke

from ._detector import DetectorCommand


class Command(DetectorCommand):
    help = "Revoke a detector's token; rotate it to give the detector a new one."

    def act(self, detector):
        detector_token_revoke(detector=detector)
        self.stdout.write(f"Token of {detector.name!r} revoked.")
