from .feeds import feed_health
from .models import Detector, DetectorMode


def detector_status(detector: Detector) -> dict:
    """What a detector may read about itself: never its token, its secret or anyone's cases."""
    detector = Detector.objects.get(pk=detector.pk)
    status = {
        "name": detector.name,
        "mode": detector.mode,
        "enabled": detector.enabled,
        "token_prefix": detector.token_prefix,
        "signs_requests": bool(detector.hmac_secret),
        "last_success_at": detector.last_success_at,
        "last_error_at": detector.last_error_at,
        "last_error": detector.last_error,
    }
    if detector.mode == DetectorMode.PULL:
        status["feed"] = feed_health(detector)
    return status
