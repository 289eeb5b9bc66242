"""API rate limits: one budget per signed-in user, one per detector, one per anonymous address.

Rates come from settings read at request time (QUARRY_API_RATE_*), so each deployment sets them
through the environment. Past the budget the API answers 429 with a Retry-After header and says
how long to wait. The budgets are kept in the database, one for every web process, by one
statement a request (core.ratelimit, which says how a budget is spent). Anonymous refusals count
against the anonymous budget too (core/api.py)."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from core.ratelimit import rate_take
from detection.auth import DetectorPrincipal


class _SettingsRateThrottle(SimpleRateThrottle):
    setting = ""
    _wait: float | None = None

    def get_rate(self) -> str | None:
        return getattr(settings, self.setting) or None

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        self._wait = rate_take(key, self.num_requests, self.duration)
        return self._wait is None

    def wait(self) -> float | None:
        return self._wait


class UserRateThrottle(_SettingsRateThrottle):
    scope = "user"
    setting = "QUARRY_API_RATE_USER"

    def get_cache_key(self, request, view):
        user = request.user
        if isinstance(user, DetectorPrincipal) or not user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": user.pk}


class DetectorRateThrottle(_SettingsRateThrottle):
    scope = "detector"
    setting = "QUARRY_API_RATE_DETECTOR"

    def get_cache_key(self, request, view):
        if not isinstance(request.user, DetectorPrincipal):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.detector.pk}


class AnonRateThrottle(_SettingsRateThrottle):
    scope = "anon"
    setting = "QUARRY_API_RATE_ANON"

    def get_cache_key(self, request, view):
        if request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
