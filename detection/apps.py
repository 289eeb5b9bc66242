from django.apps import AppConfig


class DetectionConfig(AppConfig):
    name = "detection"
    verbose_name = "Detectors and signals"

    def ready(self):
        from . import (
            case_signals,  # noqa: F401 - merge and pending-accept receivers
            checks,  # noqa: F401 - registers the start-up checks
        )
