"""Hostile uploads: too big, empty, lying names and types, compressed bombs."""

import hashlib
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from evidence.models import Evidence

from .conftest import PNG


@pytest.fixture
def upload(client, alice, case):
    client.force_login(alice)

    def send(content: bytes, name: str, content_type: str = "application/octet-stream"):
        file = SimpleUploadedFile(name, content, content_type=content_type)
        return client.post(
            f"/cases/{case.number}/evidence", {"file": file}, HTTP_ACCEPT="application/json"
        )

    return send


def test_a_file_over_the_limit_is_refused_with_413(upload, settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    response = upload(b"x" * 1025, "big.log")
    assert response.status_code == 413
    assert response.json()["field"] == "file"
    assert "at most 1.0\xa0KB (1024 bytes)" in response.json()["error"]
    assert not Evidence.objects.exists()


def test_a_file_at_the_limit_is_accepted(upload, settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    assert upload(b"x" * 1024, "exact.log").status_code == 201


def test_an_empty_file_is_refused_naming_the_field(upload):
    response = upload(b"", "empty.txt")
    assert response.status_code == 400
    assert response.json()["field"] == "file"
    assert "empty" in response.json()["error"]
    assert not Evidence.objects.exists()


def test_an_empty_file_is_refused_by_the_service_too(alice, case):
    from core.errors import DomainError
    from evidence.services import evidence_add

    with pytest.raises(DomainError) as refused:
        evidence_add(case=case, user=alice, chunks=[b""], original_name="blank.csv")
    assert refused.value.field == "file" and refused.value.status == 400


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("../../../../etc/passwd", "passwd"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        ("/var/lib/quarry/evidence/sha256/aa/bb/x", "x"),
        ("report\u202egpj.exe", "reportgpj.exe"),  # right-to-left override removed
        ("a\x00b\x1b[31mc.txt", "ab[31mc.txt"),  # NUL and escape removed
        ("zero\u200bwidth.txt", "zerowidth.txt"),
    ],
)
def test_file_names_lose_paths_and_invisible_characters(upload, evidence_dir, sent, kept):
    assert upload(b"content of " + sent.encode(), sent).status_code == 201
    item = Evidence.objects.get()
    assert item.original_name == kept
    # The bytes live under their hash, inside the evidence store, whatever the name said.
    stored = [p for p in evidence_dir.rglob("*") if p.is_file()]
    assert stored == [evidence_dir / item.storage_key]


@pytest.mark.parametrize("sent", ["..", ".", "../", "", "\u202e"])
def test_names_that_are_no_names_become_unnamed(alice, case, sent):
    from tests.helpers import add_evidence

    assert add_evidence(case, alice, b"bytes of " + sent.encode(), sent).original_name == "unnamed"


def test_an_image_declared_as_text_is_recorded_as_an_image(upload):
    assert upload(PNG, "notes.txt", "text/plain").status_code == 201
    assert Evidence.objects.get().content_type == "image/png"


def test_text_declared_as_an_image_is_not_served_as_one(upload, client, case):
    assert upload(b"<svg onload=alert(1)>", "pic.png", "image/png").status_code == 201
    item = Evidence.objects.get()
    assert item.content_type != "image/png"
    assert client.get(f"/cases/{case.number}/evidence/{item.pk}/image").status_code == 404


def test_a_zip_bomb_is_stored_as_is_and_never_expanded(upload, evidence_dir, tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.bin", b"\0" * (50 * 1024 * 1024))
    bomb = buffer.getvalue()
    assert len(bomb) < 100 * 1024

    assert upload(bomb, "logs.zip", "application/zip").status_code == 201
    item = Evidence.objects.get()
    assert item.size == len(bomb)
    assert item.sha256 == hashlib.sha256(bomb).hexdigest()
    assert item.content_type == "application/zip"
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) < 1024 * 1024
