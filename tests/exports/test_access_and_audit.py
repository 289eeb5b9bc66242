import stat

import pytest
from django.core.management import call_command
from django.urls import reverse

from core.errors import PermissionDenied
from exports.models import Export, ExportStatus
from exports.services import export_request
from tests.exports.conftest import build, bundle_file
from tests.helpers import add_evidence


def test_an_investigator_cannot_start_an_export(case, alice):
    with pytest.raises(PermissionDenied):
        export_request(case=case, user=alice, enqueue=False)
    assert not Export.objects.exists()


def test_the_api_refuses_an_investigator_with_403(client, case, alice):
    client.force_login(alice)
    response = client.post(f"/api/v1/cases/{case.number}/exports", {}, "application/json")
    assert response.status_code == 403


def test_the_api_hides_a_restricted_case_from_a_non_member_with_404(client, restricted_case, larry):
    client.force_login(larry)
    response = client.post(
        f"/api/v1/cases/{restricted_case.number}/exports", {}, "application/json"
    )
    assert response.status_code == 404


def test_the_api_starts_an_export_and_reports_its_status(client, case, larry):
    client.force_login(larry)
    response = client.post(
        f"/api/v1/cases/{case.number}/exports", {"metadata_only": True}, "application/json"
    )
    assert response.status_code == 202
    body = response.json()
    assert (body["status"], body["metadata_only"], body["download_url"]) == ("queued", True, None)
    status = client.get(f"/api/v1/cases/{case.number}/exports/{body['id']}").json()
    assert status["progress"] == 0


def test_the_api_downloads_a_finished_bundle(client, case_with_material, lena):
    export = build(case_with_material, lena)
    client.force_login(lena)
    status = client.get(f"/api/v1/cases/{case_with_material.number}/exports/{export.pk}").json()
    response = client.get(status["download_url"])
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == bundle_file(export).read_bytes()
    assert response["X-Content-SHA256"] == export.sha256


def test_start_finish_and_each_download_are_on_the_audit_trail(client, case_with_material, larry):
    export = build(case_with_material, larry)
    client.force_login(larry)
    url = reverse("exports:download", args=[case_with_material.number, export.pk])
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200
    kinds = list(
        case_with_material.events.filter(kind__startswith="export.").values_list("kind", flat=True)
    )
    assert kinds == ["export.started", "export.finished", "export.downloaded", "export.downloaded"]


def test_each_included_evidence_item_gets_custody_events(client, case_with_material, larry):
    export = build(case_with_material, larry)
    client.force_login(larry)
    client.get(reverse("exports:download", args=[case_with_material.number, export.pk]))
    for item in case_with_material.evidence_items.all():
        exported = item.custody.filter(action="exported").order_by("pk")
        details = [e.detail.split(":")[0] for e in exported]
        assert details == [
            f"export {export.pk} started",
            f"export {export.pk} finished",
            f"export {export.pk} downloaded",
        ]
        assert exported[1].hash_matched is True


def test_a_bundle_not_finished_cannot_be_downloaded(client, case, larry):
    export = export_request(case=case, user=larry, enqueue=False)
    client.force_login(larry)
    url = reverse("exports:download", args=[case.number, export.pk])
    assert client.get(url).status_code == 404


def test_the_public_key_is_served_without_login_and_printed_by_the_command(client, capsys):
    response = client.get("/exports/public-key.pem")
    assert response.status_code == 200
    assert response.content.startswith(b"-----BEGIN PUBLIC KEY-----")
    call_command("export_public_key")
    assert capsys.readouterr().out.encode() == response.content


def test_the_key_is_made_once_with_mode_0600(settings, case_with_material, larry):
    from pathlib import Path

    first = build(case_with_material, larry)
    second = build(case_with_material, larry)
    mode = stat.S_IMODE(Path(settings.QUARRY_EXPORT_KEY_PATH).stat().st_mode)
    assert mode == 0o600
    assert first.key_fingerprint == second.key_fingerprint != ""


def test_the_case_page_polls_a_running_export(client, case, larry):
    export = export_request(case=case, user=larry, enqueue=False)
    Export.objects.filter(pk=export.pk).update(
        status=ExportStatus.RUNNING, progress=42, current_item="capture.bin"
    )
    client.force_login(larry)
    url = reverse("cases:detail", args=[case.number]) + "?tab=exports"
    page = client.get(url).content.decode()
    status_url = reverse("exports:status", args=[case.number, export.pk])
    assert f'hx-get="{status_url}" hx-trigger="every 1s"' in page
    row = client.get(status_url).content.decode()
    assert "42%" in row and "capture.bin" in row


def test_a_finished_export_stops_polling_and_offers_the_download(client, case_with_material, larry):
    export = build(case_with_material, larry)
    client.force_login(larry)
    row = client.get(
        reverse("exports:status", args=[case_with_material.number, export.pk])
    ).content.decode()
    assert "hx-trigger" not in row
    assert reverse("exports:download", args=[case_with_material.number, export.pk]) in row


def test_the_case_page_starts_an_export_for_legal(client, case, alice, larry):
    add_evidence(case, alice)
    client.force_login(larry)
    response = client.post(reverse("exports:start", args=[case.number]), {"pseudonymise": "1"})
    assert response.status_code == 302
    export = Export.objects.get(case=case)
    assert (export.pseudonymise, export.metadata_only, export.requested_by) == (True, False, larry)


def test_export_case_and_verify_bundle_commands(case_with_material, lena, capsys):
    call_command("export_case", case_with_material.number, "--user", "lena")
    export = Export.objects.get(case=case_with_material)
    assert export.status == ExportStatus.DONE
    assert str(bundle_file(export)) in capsys.readouterr().out
    call_command("verify_bundle", str(bundle_file(export)))
    assert capsys.readouterr().out.startswith("OK")


def test_verify_bundle_fails_on_a_truncated_timeline(case_with_material, lena, tmp_path):
    import zipfile

    from django.core.management.base import CommandError

    call_command("export_case", case_with_material.number, "--metadata-only")
    export = Export.objects.get(case=case_with_material)
    assert export.requested_by is None and "export_case" in export.requested_by_label
    with zipfile.ZipFile(bundle_file(export)) as archive:
        archive.extractall(tmp_path / "out")
    (root,) = list((tmp_path / "out").iterdir())
    timeline = root / "data/timeline.jsonl"
    timeline.write_text("".join(timeline.read_text().splitlines(keepends=True)[:-1]))
    with pytest.raises(CommandError):
        call_command("verify_bundle", str(root))
