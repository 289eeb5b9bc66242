"""Detectors authenticate with a bearer token of their own.

A detector is not a user. Its principal carries no roles, so every case selector answers
"nothing" for it; and the case API, which authenticates sessions only, never sees it at all.
Only the SHA-256 of a token is stored, so a lookup is one unique-index probe."""

import hashlib
import hmac

from django.db import connection
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission

from .models import Detector

TOKEN_PREFIX = "qdt_"
SIGNATURE_HEADER = "X-Quarry-Signature"
_SIGNATURE_META = "HTTP_X_QUARRY_SIGNATURE"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def body_signature(secret: str, body: bytes) -> str:
    """The value of X-Quarry-Signature for a body: `sha256=` and the hex HMAC-SHA256."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class DetectorPrincipal:
    """What `request.user` is for a detector: authenticated, but with no roles and no user id."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None
    _quarry_roles: frozenset[str] = frozenset()

    def __init__(self, detector: Detector):
        self.detector = detector

    def get_username(self) -> str:
        return f"detector:{self.detector.name}"

    def __str__(self) -> str:
        return self.get_username()


# What authentication reads of a detector, by a fixed statement: the ORM compiled its query anew
# on every request, a quarter of the Python time of a small push.
# In the model's order of fields, as Model.from_db reads values.
_FIELDS = [
    f.attname
    for f in Detector._meta.concrete_fields
    if f.attname in {"id", "name", "enabled", "token_revoked_at", "hmac_secret", "mode"}
]
_BY_TOKEN = f"SELECT {', '.join(_FIELDS)} FROM {Detector._meta.db_table} WHERE token_hash = %s"


def detector_by_token(token: str) -> Detector | None:
    """The detector whose token this is (revoked or not), with only _FIELDS loaded."""
    with connection.cursor() as cursor:
        cursor.execute(_BY_TOKEN, [token_hash(token)])
        row = cursor.fetchone()
    return None if row is None else Detector.from_db(connection.alias, _FIELDS, row)


class DetectorTokenAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        detector = detector_by_token(token.strip())
        if detector is None or detector.token_revoked_at is not None:
            raise AuthenticationFailed("Invalid or revoked detector token.")
        if not detector.enabled:
            raise AuthenticationFailed("This detector is disabled.")
        if detector.hmac_secret:
            self._check_signature(request, detector.hmac_secret)
        return DetectorPrincipal(detector), detector

    def _check_signature(self, request, secret: str) -> None:
        given = request.META.get(_SIGNATURE_META, "")
        if not given:
            raise AuthenticationFailed(
                f"This detector signs its requests: the {SIGNATURE_HEADER} header is missing."
            )
        if not hmac.compare_digest(given.strip(), body_signature(secret, request.body)):
            raise AuthenticationFailed(f"The {SIGNATURE_HEADER} signature does not match the body.")

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="quarry-detectors"'


class IsDetector(BasePermission):
    message = "Only a detector token may use this endpoint."

    def has_permission(self, request, view) -> bool:
        return isinstance(request.user, DetectorPrincipal)
