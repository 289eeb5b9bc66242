"""A bundle is built in one streaming pass, never exports a file that no longer matches its
recorded hash, is published atomically, and can be built again after a crash."""

import os
import tracemalloc

import psycopg
from django.db import connection

from core.locks import EXPORT_BUILD
from evidence.models import storage_key_for
from evidence.services import evidence_add
from exports.models import Export, ExportStatus
from exports.services import (
    export_dir,
    export_path,
    export_request,
    export_run,
    partial_dir,
)
from tests.exports.conftest import build
from tests.helpers import add_evidence


def _tamper(evidence_dir, item, content: bytes) -> None:
    path = evidence_dir / storage_key_for(item.sha256)
    path.chmod(0o640)
    path.write_bytes(content)


def test_a_tampered_stored_file_aborts_the_export_naming_it(case, alice, larry, evidence_dir):
    add_evidence(case, alice, b"first file\n", "first.txt")
    bad = add_evidence(case, alice, b"original capture\n", "capture.log")
    _tamper(evidence_dir, bad, b"doctored capture\n")
    export = build(case, larry)
    assert export.status == ExportStatus.FAILED
    assert "capture.log" in export.error
    assert export.sha256 == ""
    assert not export_dir().joinpath(f"{case.number}-export-{export.pk}.zip").exists()
    assert list(partial_dir().iterdir()) == []


def test_a_tampered_file_is_written_to_its_custody_log(case, alice, larry, evidence_dir):
    bad = add_evidence(case, alice, b"original capture\n", "capture.log")
    _tamper(evidence_dir, bad, b"doctored capture\n")
    export = build(case, larry)
    last = bad.custody.order_by("-pk").first()
    assert (last.action, last.hash_matched) == ("exported", False)
    assert f"export {export.pk} aborted" in last.detail
    failed = case.events.get(kind="export.failed")
    assert failed.data["evidence_id"] == bad.pk


def test_memory_stays_flat_on_a_large_file(case, alice, larry):
    block = os.urandom(1024 * 1024)
    item, _ = evidence_add(
        case=case,
        user=alice,
        chunks=(block[i:] + block[:i] for i in range(200)),
        original_name="capture-200mb.bin",
    )
    assert item.size == 200 * 1024 * 1024
    export = export_request(case=case, user=larry, enqueue=False)
    tracemalloc.start()
    try:
        export_run(export_id=export.pk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    export.refresh_from_db()
    assert export.status == ExportStatus.DONE
    assert export.size > item.size
    # A few 1 MiB chunks in flight, the PDF and the query batches: far below the file's size.
    assert peak < 24 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB"


def test_a_killed_build_runs_again_and_leaves_no_garbage(case, alice, larry):
    add_evidence(case, alice, b"payment records\n", "payments.csv")
    export = export_request(case=case, user=larry, enqueue=False)
    # What a worker killed halfway leaves: the export running, a partial zip, no lock held.
    Export.objects.filter(pk=export.pk).update(status=ExportStatus.RUNNING, attempts=1)
    partial_dir().mkdir(parents=True)
    (partial_dir() / f"{case.number}-export-{export.pk}.zip.part").write_bytes(b"PK\x03\x04junk")
    assert export_run(export_id=export.pk) is not None
    export.refresh_from_db()
    assert (export.status, export.attempts) == (ExportStatus.DONE, 2)
    assert list(partial_dir().iterdir()) == []
    assert sorted(p.name for p in export_dir().iterdir()) == [".partial", export.file_name]
    assert export_path(export).stat().st_size == export.size


def test_a_second_delivery_of_a_finished_export_does_nothing(case_with_material, larry):
    export = build(case_with_material, larry)
    events_before = case_with_material.events.count()
    assert export_run(export_id=export.pk) is None
    export.refresh_from_db()
    assert (export.status, export.attempts) == (ExportStatus.DONE, 1)
    assert case_with_material.events.count() == events_before


def test_an_export_being_built_by_a_live_worker_is_left_alone(case, larry):
    export = export_request(case=case, user=larry, enqueue=False)
    settings = connection.settings_dict
    other = psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        dbname=settings["NAME"],
        autocommit=True,
    )
    try:
        other.execute("SELECT pg_advisory_lock(%s, %s)", [EXPORT_BUILD, export.pk])
        assert export_run(export_id=export.pk) is None
        export.refresh_from_db()
        assert export.status == ExportStatus.QUEUED
    finally:
        other.close()
