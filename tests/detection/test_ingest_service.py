"""The ingestion service (QUARRY_SERVICE=ingest, config/urls_ingest.py) answers what detectors
call and nothing else; the web service keeps answering detectors too. The process-level checks
(a gunicorn per service) are in tests/ops/test_topology.py and tests/ops/test_devrun_ingest.py."""

import os
import subprocess
import sys

import pytest

from detection.models import Signal
from tests.worker import ROOT

from .conftest import signal_json
from .test_ocsf import FINDING

INGEST = "config.urls_ingest"


@pytest.fixture
def ingest_service(settings):
    settings.ROOT_URLCONF = INGEST


def test_the_ingestion_service_stores_pushed_signals(ingest_service, post_signals, prada):
    response = post_signals([signal_json(n) for n in range(3)], prada.token)
    assert response.status_code == 201, response.content
    assert Signal.objects.filter(detector=prada).count() == 3


def test_the_ingestion_service_takes_ocsf_findings(ingest_service, post_signals, prada):
    response = post_signals(FINDING, prada.token, path="/api/v1/ocsf/detection-findings")
    assert response.status_code == 201, response.content


def test_the_ingestion_service_tells_a_detector_its_status(ingest_service, client, prada):
    response = client.get("/api/v1/detectors/me", HTTP_AUTHORIZATION=f"Bearer {prada.token}")
    assert response.status_code == 200
    assert response.json()["name"] == "prada"


@pytest.mark.parametrize(
    "path",
    ["/", "/login/", "/cases/", "/admin/", "/api/v1/cases", "/api/schema/", "/api/docs/"],
)
def test_the_ingestion_service_refuses_pages_and_the_rest_of_the_api(
    ingest_service, client, lena, path
):
    client.force_login(lena)
    response = client.get(path)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_the_web_service_still_takes_signals(post_signals, prada, settings):
    assert settings.ROOT_URLCONF == "config.urls"
    response = post_signals(signal_json(1), prada.token)
    assert response.status_code == 201
    assert Signal.objects.filter(detector=prada).count() == 1


def _root_urlconf(service: str) -> subprocess.CompletedProcess:
    code = "import django; django.setup(); from django.conf import settings; print(settings.ROOT_URLCONF)"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "QUARRY_SERVICE": service},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_quarry_service_chooses_the_addresses():
    assert _root_urlconf("ingest").stdout.strip() == INGEST
    assert _root_urlconf("web").stdout.strip() == "config.urls"
    unknown = _root_urlconf("pages")
    assert unknown.returncode != 0
    assert "QUARRY_SERVICE must be one of web, ingest, got 'pages'" in unknown.stderr
