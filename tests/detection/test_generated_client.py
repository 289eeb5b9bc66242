"""A client generated from the live schema by openapi-python-client pushes signals unchanged:
the schema says what the server takes (JSON, the plain-array body, bare account ids)."""

import importlib
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from detection.models import Signal
from tests.security.live import BIN, live_api


@pytest.fixture
def generated(live_server, settings, tmp_path):
    api = live_api(live_server, settings)
    result = subprocess.run(
        [
            str(BIN / "openapi-python-client"),
            "generate",
            "--url",
            f"{api.url}/api/schema/?format=json",
            "--meta",
            "none",
            "--output-path",
            str(tmp_path / "quarry_generated"),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=api.env(),
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        yield api, importlib.import_module("quarry_generated")
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m.startswith("quarry_generated")]:
            del sys.modules[name]


def _signal(models, n: int, accounts):
    return models.SignalDoc(
        external_id=f"gen-{n}",
        kind=models.KindEnum.COT_ELICITATION,
        severity=models.SeverityEnum.HIGH,
        confidence=90,
        observed_at=datetime(2026, 11, 27, 8, 59, tzinfo=UTC),
        summary="Pushed by a generated client",
        accounts=accounts,
        observables=[{"type": "ip", "value": "198.51.100.7"}],
        payload=models.SignalDocPayloadType0.from_dict({"classifier": "cot-v3"}),
    )


@pytest.mark.django_db(transaction=True)
def test_a_generated_client_pushes_a_batch_unchanged(generated):
    api, package = generated
    models = importlib.import_module("quarry_generated.models")
    ingest = importlib.import_module("quarry_generated.api.detectors.signals_ingest")
    client = package.AuthenticatedClient(base_url=api.url, token=api.token)
    attribute = models.AttributeDoc(
        type_=models.AttributeTypeEnum.PAYMENT_FINGERPRINT, value="pf-gen"
    )
    batch = [
        _signal(models, 1, [models.AccountDoc(external_id="acct-gen-1", attributes=[attribute])]),
        _signal(models, 2, ["acct-gen-2"]),
    ]
    for body in (batch, models.SignalBatchDoc(signals=[_signal(models, 3, ["acct-gen-3"])])):
        response = ingest.sync_detailed(client=client, body=body)
        assert response.status_code == 201, response.content
        assert isinstance(response.parsed, models.IngestReport)
    assert response.parsed.created == 1
    stored = Signal.objects.filter(external_id__startswith="gen-").order_by("external_id")
    assert [s.external_id for s in stored] == ["gen-1", "gen-2", "gen-3"]
    assert stored[0].payload == {"classifier": "cot-v3"}


@pytest.mark.django_db(transaction=True)
def test_the_generated_client_reads_its_errors(generated):
    api, package = generated
    models = importlib.import_module("quarry_generated.models")
    me = importlib.import_module("quarry_generated.api.detectors.detector_me")
    response = me.sync_detailed(client=package.AuthenticatedClient(base_url=api.url, token="qdt_x"))
    assert response.status_code == 401
    assert isinstance(response.parsed, models.ErrorBody)
