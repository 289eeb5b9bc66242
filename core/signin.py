"""Sign-in throttling: after too many failures for one username from one address, further
attempts are refused with 429 until the window has passed, whatever the password."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .models import SignInFailure


def _window() -> timedelta:
    return timedelta(seconds=settings.QUARRY_SIGNIN_WINDOW_SECONDS)


def signin_is_throttled(*, username: str, ip: str | None) -> bool:
    since = timezone.now() - _window()
    recent = SignInFailure.objects.filter(username=username.lower(), ip=ip, at__gte=since)
    return recent.count() >= settings.QUARRY_SIGNIN_MAX_FAILURES


def signin_failure_record(*, username: str, ip: str | None) -> None:
    SignInFailure.objects.create(username=username.lower()[:150], ip=ip)
    # Old rows are of no further use; pruning here keeps the table small without a job.
    SignInFailure.objects.filter(at__lt=timezone.now() - 4 * _window()).delete()


def signin_failures_clear(*, username: str, ip: str | None) -> None:
    SignInFailure.objects.filter(username=username.lower(), ip=ip).delete()
