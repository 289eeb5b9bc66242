"""Sign-in throttling, by django-axes: after QUARRY_SIGNIN_MAX_FAILURES failures for one
username from one address within QUARRY_SIGNIN_WINDOW_SECONDS, every further attempt (the
right password included) is refused with 429 until the window has passed without failures.

Axes sits in the authentication backends, so Quarry's sign-in page and /admin/login/ share
one count. Its counters are rows in the database: every web process sees the same ones."""

import unicodedata
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import render


def signin_username(request, credentials: dict | None) -> str:
    """The key a username is counted under: what Django's sign-in form authenticates with
    (stripped, NFKC) and case-folded, so " Lead_Out", "lead_out\\n" and full-width
    "ｌｅａｄ＿ｏｕｔ" are one username, not three fresh budgets."""
    raw = (credentials or {}).get("username")
    if raw is None and request is not None:
        raw = request.POST.get("username", "")
    return unicodedata.normalize("NFKC", str(raw or "").strip()).casefold()[:255]


def signin_address(request) -> str | None:
    """The peer's address. Forwarded headers are not trusted: a client could send any."""
    return request.META.get("REMOTE_ADDR") or None


def signin_failure_limit(request, credentials) -> int:
    return settings.QUARRY_SIGNIN_MAX_FAILURES


def signin_window(request=None) -> timedelta:
    return timedelta(seconds=settings.QUARRY_SIGNIN_WINDOW_SECONDS)


def signin_locked_out(request, original_response=None, credentials=None):
    """The sign-in page again, saying why, with 429 — for /login/ and /admin/login/ alike."""
    context = {
        "form": AuthenticationForm(request),
        "throttled": True,
        "window_minutes": max(1, settings.QUARRY_SIGNIN_WINDOW_SECONDS // 60),
    }
    return render(request, "registration/login.html", context, status=429)
