"""A live server with a signed-in investigator and a detector, for clients that run outside
the test process (schemathesis's CLI, a generated client)."""

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.test import Client

from core.roles import INVESTIGATOR
from detection.services import detector_create
from tests.factories import UserFactory, make_case

# With CSRF_USE_SESSIONS the CSRF secret lives in the session: a client outside the process
# sends it as X-CSRFToken, with no cookie of its own beside the session's.
CSRF_SECRET = "q" * 32
BIN = Path(sys.executable).parent


@dataclass
class LiveApi:
    url: str
    session: str
    token: str

    def env(self) -> dict[str, str]:
        return {
            "PATH": f"{BIN}:/usr/bin:/bin",
            "HOME": os.environ.get("HOME", "/tmp"),
            "QUARRY_ST_SESSION": self.session,
            "QUARRY_ST_DETECTOR_TOKEN": self.token,
        }


def live_api(live_server, settings) -> LiveApi:
    settings.QUARRY_API_RATE_USER = "1000000/min"
    settings.QUARRY_API_RATE_DETECTOR = "1000000/min"
    settings.QUARRY_API_RATE_ANON = "1000000/min"
    settings.CSRF_USE_SESSIONS = True
    cache.clear()
    investigator = UserFactory(username="ivy", roles=[INVESTIGATOR])
    make_case(created_by=investigator, title="A case for the fuzzer to read")
    _, token = detector_create(name="live")
    client = Client()
    client.force_login(investigator)
    key = client.cookies["sessionid"].value
    session = SessionStore(session_key=key)
    session["_csrftoken"] = CSRF_SECRET
    session.save()
    return LiveApi(url=live_server.url, session=key, token=token)
