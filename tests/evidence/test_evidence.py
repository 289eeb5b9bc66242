import hashlib
import os

import pytest

from core.errors import DomainError
from evidence.models import CustodyEvent, Evidence, storage_key_for
from evidence.services import evidence_add, evidence_verify


def _chunks(data: bytes, size: int = 7919):
    for i in range(0, len(data), size):
        yield data[i : i + size]


def test_hashes_computed_while_streaming_match_hashlib(alice, case):
    data = os.urandom(3 * 1024 * 1024 + 17)
    item, created = evidence_add(
        case=case, user=alice, chunks=_chunks(data), original_name="capture.bin"
    )
    assert created
    assert item.sha256 == hashlib.sha256(data).hexdigest()
    assert item.sha512 == hashlib.sha512(data).hexdigest()
    assert item.size == len(data)


def test_the_same_file_twice_is_stored_once(alice, lena, case, evidence_dir):
    from tests.factories import make_case

    other = make_case(created_by=lena)
    data = b'{"prompt": "explain your reasoning"}\n' * 100
    first, _ = evidence_add(case=case, user=alice, chunks=[data], original_name="a.jsonl")
    again, created = evidence_add(case=case, user=alice, chunks=[data], original_name="b.jsonl")
    elsewhere, _ = evidence_add(case=other, user=lena, chunks=[data], original_name="c.jsonl")
    assert (again.pk, created) == (first.pk, False)
    assert elsewhere.pk != first.pk
    stored = [p for p in evidence_dir.rglob("*") if p.is_file()]
    assert [p.name for p in stored] == [first.sha256]
    assert stored[0].read_bytes() == data


def test_a_stored_file_is_never_rewritten(alice, lena, case, evidence_dir):
    from tests.factories import make_case

    data = b"payment,fingerprint\n1,abc\n"
    item, _ = evidence_add(case=case, user=alice, chunks=[data], original_name="p.csv")
    path = evidence_dir / storage_key_for(item.sha256)
    before = os.stat(path)
    evidence_add(case=make_case(created_by=lena), user=lena, chunks=[data], original_name="p.csv")
    after = os.stat(path)
    assert (before.st_ino, before.st_mtime_ns) == (after.st_ino, after.st_mtime_ns)
    assert not os.access(path, os.W_OK) or os.geteuid() == 0  # root ignores mode bits
    assert oct(after.st_mode & 0o777) == "0o440"


def test_evidence_rows_cannot_be_edited(alice, case):
    from django.db import DatabaseError, transaction

    from tests.database import as_superuser

    item, _ = evidence_add(case=case, user=alice, chunks=[b"x"], original_name="x.txt")
    with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
        Evidence.objects.filter(pk=item.pk).update(description="edited")  # the app login
    with pytest.raises(DatabaseError, match="append-only"), as_superuser(triggers=True) as cursor:
        cursor.execute(
            "UPDATE evidence_evidence SET description = 'edited' WHERE id = %s", [item.pk]
        )


def test_custody_log_and_audit_trail_record_the_upload(alice, case):
    item, _ = evidence_add(
        case=case, user=alice, chunks=[b"hello"], original_name="../../etc/passwd", source="gateway"
    )
    assert item.original_name == "passwd"
    actions = list(CustodyEvent.objects.filter(evidence=item).values_list("action", flat=True))
    assert actions == ["collected", "uploaded"]
    assert case.events.filter(kind="evidence.added", data__sha256=item.sha256).exists()


def test_verify_detects_a_changed_file(alice, case, evidence_dir):
    item, _ = evidence_add(case=case, user=alice, chunks=[b"original"], original_name="o.txt")
    assert evidence_verify(evidence=item, actor=alice)
    path = evidence_dir / storage_key_for(item.sha256)
    path.chmod(0o640)
    path.write_bytes(b"tampered")
    assert not evidence_verify(evidence=item, actor=alice)
    last = item.custody.order_by("-id").first()
    assert (last.action, last.hash_matched) == ("verified", False)


def test_content_type_is_sniffed_not_trusted(alice, case):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    item, _ = evidence_add(case=case, user=alice, chunks=[png], original_name="notes.txt")
    assert item.content_type == "image/png"


def test_download_writes_a_custody_event(client, alice, case):
    item, _ = evidence_add(case=case, user=alice, chunks=[b"abc"], original_name="a.txt")
    client.force_login(alice)
    response = client.get(f"/cases/{case.number}/evidence/{item.pk}/download")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"abc"
    assert item.custody.filter(action="downloaded", actor_label="alice").exists()


def test_a_case_closed_while_the_file_streams_in_takes_no_evidence(alice, lena, case):
    """The case is checked again under its lock once the bytes are hashed: a close that lands
    during the upload wins, and nothing of the upload is recorded."""
    from cases.services import case_transition

    def closing_midway():
        yield b"first half "
        case_transition(
            case=case,
            user=lena,
            to_state="closed",
            resolution="benign",
            closing_summary="Closed during an upload.",
        )
        yield b"second half"

    events_before = case.events.count()
    with pytest.raises(DomainError) as info:
        evidence_add(case=case, user=alice, chunks=closing_midway(), original_name="late.txt")
    assert info.value.message == "A closed case takes no new evidence."
    assert not Evidence.objects.filter(case=case).exists()
    assert not case.events.filter(kind="evidence.added").exists()
    assert case.events.count() == events_before + 1  # the close, nothing else
