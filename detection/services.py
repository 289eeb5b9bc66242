"""Detectors and their tokens. A token is shown once, when it is made; only its SHA-256 is kept,
with a short prefix so that an admin can tell which token a detector holds."""

import secrets
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from core.errors import DomainError

from .auth import TOKEN_PREFIX, token_hash
from .models import Detector, DetectorFeedState, DetectorMode

PREFIX_CHARS = 12


def _new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_set(detector: Detector) -> str:
    """Give the detector a fresh token (hash and prefix set, not saved); returns the token."""
    token = _new_token()
    detector.token_hash = token_hash(token)
    detector.token_prefix = token[:PREFIX_CHARS]
    detector.token_revoked_at = None
    return token


@transaction.atomic
def detector_create(
    *,
    name: str,
    description: str = "",
    pull: bool = False,
    feed_url: str = "",
    feed_auth_header: str = "",
    poll_interval_seconds: int = 30,
    hmac_secret: str = "",
) -> tuple[Detector, str]:
    """A new detector and its token (the only time the token is visible)."""
    name = (name or "").strip()
    if not name:
        raise DomainError("A detector needs a name.", field="name", status=400)
    if Detector.objects.filter(name=name).exists():
        raise DomainError(f"A detector named {name!r} exists already.", field="name")
    if pull and not feed_url:
        raise DomainError("A pull detector needs a feed URL.", field="feed_url", status=400)
    if poll_interval_seconds < 1:
        raise DomainError("The poll interval is at least 1 second.", field="poll_interval_seconds")
    detector = Detector(
        name=name,
        description=description,
        mode=DetectorMode.PULL if pull else DetectorMode.PUSH,
        feed_url=feed_url,
        feed_auth_header=feed_auth_header,
        poll_interval_seconds=poll_interval_seconds,
        hmac_secret=hmac_secret,
    )
    token = token_set(detector)
    detector.save()
    if pull:
        DetectorFeedState.objects.create(detector=detector)
    return detector, token


@transaction.atomic
def detector_token_rotate(*, detector: Detector) -> str:
    """Replace the detector's token; the old one stops working at once."""
    locked = Detector.objects.select_for_update().get(pk=detector.pk)
    token = token_set(locked)
    locked.save(update_fields=["token_hash", "token_prefix", "token_revoked_at"])
    detector.refresh_from_db()
    return token


@transaction.atomic
def detector_token_revoke(*, detector: Detector) -> None:
    """The detector keeps its signals but can no longer authenticate until rotated."""
    updated = Detector.objects.filter(pk=detector.pk, token_revoked_at__isnull=True).update(
        token_revoked_at=timezone.now()
    )
    if updated:
        detector.refresh_from_db()


# A busy detector pushes many batches a second; its last success needs no finer clock, and
# each push then costs no row lock on the detector, nor (after the first of the second in a
# process) a statement at all.
PUSH_SUCCESS_RESOLUTION = timedelta(seconds=1)
_pushes_recorded: dict[tuple[str, int], datetime] = {}


def detector_push_succeeded(detector: Detector) -> None:
    """A push stored or re-acknowledged signals: the dashboard's "last success" moves."""
    now = timezone.now()
    key = (connection.settings_dict["NAME"], detector.pk)
    recorded = _pushes_recorded.get(key)
    if recorded is not None and now - recorded < PUSH_SUCCESS_RESOLUTION:
        return  # this process recorded a success less than a second ago
    _pushes_recorded[key] = now
    Detector.objects.filter(pk=detector.pk).filter(
        Q(last_success_at__isnull=True) | Q(last_success_at__lt=now - PUSH_SUCCESS_RESOLUTION)
    ).update(last_success_at=now)
