import csv
import io
import json
import re
import zipfile

from cases.services import case_comment_add
from exports import verify
from tests.exports.conftest import build, bundle_file

EMAIL = re.compile(rb"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")


def _files(export) -> dict[str, bytes]:
    with zipfile.ZipFile(bundle_file(export)) as archive:
        return {i.filename.split("/", 1)[1]: archive.read(i) for i in archive.infolist()}


def test_no_email_or_account_name_is_left_in_any_file(case_with_material, alice, larry):
    case_comment_add(
        case=case_with_material, user=alice, body="Wei Zhang wrote from wei.zhang@harvest.example"
    )
    export = build(case_with_material, larry, pseudonymise=True)
    files = _files(export)
    assert "data/report.pdf" in files and "data/accounts.csv" in files
    for name, content in files.items():
        assert not EMAIL.search(content), f"an email address in {name}"
        assert b"Wei Zhang" not in content and b"Ana Lima" not in content, name


def test_pseudonyms_are_stable_keyed_hashes(case_with_material, larry):
    export = build(case_with_material, larry, pseudonymise=True)
    files = _files(export)
    rows = list(csv.DictReader(io.StringIO(files["data/accounts.csv"].decode())))
    emails = {r["email"] for r in rows}
    assert all(re.fullmatch(r"email-[0-9a-f]{24}", e) for e in emails)
    signal = json.loads(files["data/signals.jsonl"].decode().splitlines()[0])
    # The same address gets the same pseudonym wherever it appears.
    assert signal["payload"]["contact"] in emails
    again = build(case_with_material, larry, pseudonymise=True)
    rows_again = list(csv.DictReader(io.StringIO(_files(again)["data/accounts.csv"].decode())))
    assert {r["email"] for r in rows_again} == emails


def test_a_pseudonymised_bundle_still_verifies_with_withheld_events(
    case_with_material, alice, larry
):
    case_comment_add(case=case_with_material, user=alice, body="mail ana@proxy.example")
    export = build(case_with_material, larry, pseudonymise=True)
    problems, notes = verify.verify(str(bundle_file(export)))
    assert problems == []
    assert any("1 redacted events" in n for n in notes)
    assert not any(n.startswith("data/evidence/") for n in _files(export))


def test_metadata_only_lists_hashes_but_ships_no_evidence_file(case_with_material, larry):
    export = build(case_with_material, larry, metadata_only=True)
    files = _files(export)
    assert not [n for n in files if n.startswith("data/evidence/")]
    record = json.loads(files["data/case.json"])
    assert len(record["evidence"]) == 2
    assert all(e["path"] is None and len(e["sha512"]) == 128 for e in record["evidence"])
    assert b"Wei Zhang" in files["data/accounts.csv"]
