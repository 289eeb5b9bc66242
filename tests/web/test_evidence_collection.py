"""Evidence upload takes collected-at, collected-by and source; the workspace shows them with
each item's custody log, and the bundle carries them."""

import json
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from evidence.models import Evidence


def _upload(client, case, **fields):
    return client.post(
        reverse("cases:evidence_upload", args=[case.number]),
        {"file": SimpleUploadedFile("access.log", b"GET /v1/chat 200\n"), **fields},
        HTTP_ACCEPT="application/json",
    )


def test_upload_records_who_collected_it_when_and_from_where(client, alice, case):
    client.force_login(alice)
    response = _upload(
        client,
        case,
        collected_at="2026-11-20T14:30",
        collected_by="Trust & Safety, EU team",
        source="API gateway logs",
    )
    assert response.status_code == 201, response.content
    item = Evidence.objects.get(case=case)
    assert item.collected_by == "Trust & Safety, EU team" and item.source == "API gateway logs"
    assert item.collected_at.date().isoformat() == "2026-11-20"
    collected = item.custody.get(action="collected")
    assert collected.actor_label == "Trust & Safety, EU team"


def test_without_them_it_is_now_and_the_uploader(client, alice, case):
    client.force_login(alice)
    _upload(client, case)
    assert Evidence.objects.get(case=case).collected_by == "alice"


def test_a_future_or_malformed_collected_at_is_refused(client, alice, case):
    client.force_login(alice)
    for value in ("2999-01-01T00:00", "last tuesday"):
        response = _upload(client, case, collected_at=value)
        assert response.status_code == 400 and response.json()["field"] == "collected_at"
    assert not Evidence.objects.exists()


def test_the_workspace_shows_them_and_the_custody_log(client, alice, case):
    client.force_login(alice)
    _upload(client, case, collected_by="SOC night shift", source="SIEM export")
    item = Evidence.objects.get(case=case)
    client.get(reverse("cases:evidence_download", args=[case.number, item.pk]))
    page = client.get(f"/cases/{case.number}/?tab=evidence").content.decode()
    assert "by SOC night shift" in page and "source: SIEM export" in page
    assert "Custody log (3)" in page
    for action in ("Collected", "Uploaded", "Downloaded"):
        assert action in page


def test_the_bundle_carries_them(client, alice, lena, case, settings, tmp_path):
    from exports.services import export_path, export_request, export_run

    settings.QUARRY_EXPORT_KEY_PATH = str(tmp_path / "keys" / "export.pem")
    settings.QUARRY_EXPORT_DIR = str(tmp_path / "exports")
    client.force_login(alice)
    _upload(client, case, collected_by="Fraud team", source="Payment processor")
    export = export_request(case=case, user=lena, enqueue=False)
    export_run(export_id=export.pk)
    export.refresh_from_db()
    with zipfile.ZipFile(export_path(export)) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith("data/case.json")]
        records = json.loads(archive.read(name))["evidence"]
    assert records[0]["collected_by"] == "Fraud team"
    assert records[0]["source"] == "Payment processor"
