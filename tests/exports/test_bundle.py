"""The produced bag validates with the Library of Congress `bagit` library, and the standalone
verify.py accepts a fresh bundle and names exactly what was changed in a tampered one."""

import json
import subprocess
import sys
import zipfile

import bagit
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cases.audit import chain_head
from cases.models import CaseEvent
from evidence.models import Evidence
from exports import keys
from tests.exports.conftest import build, bundle_file, unzip

# Runs verify.py as a stranger would: a fresh interpreter, and proves Django never loaded.
RUN_VERIFIER = """
import runpy, sys
script, *args = sys.argv[1:]
sys.argv = [script, *args]
try:
    runpy.run_path(script, run_name="__main__")
except SystemExit as exc:
    code = exc.code
assert "django" not in sys.modules, "verify.py imported Django"
sys.exit(code)
"""


def lab_key(tmp_path):
    """The key the lab publishes (export_public_key), as a stranger would download it."""
    path = tmp_path / "lab-public-key.pem"
    path.write_bytes(keys.public_key_pem())
    return path


def evidence_of(export):
    return Evidence.objects.filter(pk__in=export.options["evidence_ids"]).order_by("pk")


def run_verifier(root, *args):
    result = subprocess.run(
        [sys.executable, "-I", "-c", RUN_VERIFIER, str(root / "verify.py"), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=root.parent,
        env={"PATH": "/usr/bin:/bin"},
    )
    return result.returncode, result.stdout + result.stderr


def test_the_unzipped_bundle_is_a_valid_bagit_bag(case_with_material, larry, tmp_path):
    export = build(case_with_material, larry)
    bag = bagit.Bag(str(unzip(export, tmp_path / "out")))
    bag.validate()
    assert bag.version_info == (1, 0)
    assert set(bag.algorithms) == {"sha256", "sha512"}
    evidence = [f"data/evidence/{e.pk:06d}-{e.original_name}" for e in evidence_of(export)]
    assert sorted(bag.payload_files()) == sorted(
        [
            "data/accounts.csv",
            "data/case.json",
            "data/custody.csv",
            "data/report.pdf",
            "data/signals.jsonl",
            "data/timeline.jsonl",
            *evidence,
        ]
    )


def test_bag_info_names_the_organisation_case_export_and_chain_head(
    case_with_material, larry, tmp_path
):
    export = build(case_with_material, larry)
    info = bagit.Bag(str(unzip(export, tmp_path / "out"))).info
    assert info["Source-Organization"] == "Example Frontier Lab"
    assert info["External-Identifier"] == f"{case_with_material.number} export {export.pk}"
    assert info["Quarry-Audit-Chain-Head"] == export.chain_head
    assert info["Payload-Oxum"] == export.payload_oxum
    assert info["Bag-Software-Agent"].startswith("Quarry")
    assert info["Bagging-Date"] == export.finished_at.date().isoformat()


def test_the_timeline_is_the_audit_chain_up_to_the_export(case_with_material, larry, tmp_path):
    export = build(case_with_material, larry)
    root = unzip(export, tmp_path / "out")
    lines = [json.loads(line) for line in (root / "data/timeline.jsonl").read_text().splitlines()]
    stored = list(
        CaseEvent.objects.filter(case=case_with_material, seq__lte=len(lines))
        .order_by("seq")
        .values_list("seq", "hash")
    )
    assert [(e["seq"], e["hash"]) for e in lines] == stored
    assert lines[-1]["kind"] == "export.started"
    assert set(lines[0]) == {"seq", "kind", "actor", "at", "case", "data", "prev_hash", "hash"}
    # The export's own finish comes after the snapshot, and extends the same chain.
    assert chain_head(case_with_material) != lines[-1]["hash"]


def test_verify_py_passes_a_fresh_bundle_without_django(case_with_material, larry, tmp_path):
    export = build(case_with_material, larry)
    root = unzip(export, tmp_path / "out")
    code, output = run_verifier(root, "--public-key", lab_key(tmp_path))
    assert code == 0, output
    assert output.startswith("OK")
    assert f"fingerprint {export.key_fingerprint}" in output


def test_without_a_key_verify_py_warns_that_the_signer_was_not_checked(
    case_with_material, larry, tmp_path
):
    export = build(case_with_material, larry)
    code, output = run_verifier(unzip(export, tmp_path / "out"))
    assert code == 2, output
    assert output.startswith("INTACT, SIGNER NOT CHECKED")
    assert "WARNING: only integrity was verified, not who signed" in output
    assert f"Signer's key fingerprint: {export.key_fingerprint}" in output


def test_verify_py_checks_the_zip_itself(case_with_material, larry, tmp_path):
    export = build(case_with_material, larry)
    root = unzip(export, tmp_path / "out")
    code, output = run_verifier(root, bundle_file(export), "--public-key", lab_key(tmp_path))
    assert code == 0, output


def test_a_changed_byte_of_an_evidence_file_is_named(case_with_material, larry, tmp_path):
    root = unzip(build(case_with_material, larry), tmp_path / "out")
    first, second = sorted((root / "data/evidence").iterdir())
    target = second
    data = bytearray(target.read_bytes())
    data[5] ^= 0x01
    target.write_bytes(bytes(data))
    code, output = run_verifier(root)
    assert code == 1
    name = f"data/evidence/{target.name}"
    assert f"{name}: sha256 does not match manifest-sha256.txt" in output
    assert f"{name}: sha512 does not match manifest-sha512.txt" in output
    assert first.name not in output


def test_a_changed_line_of_bag_info_is_named(case_with_material, larry, tmp_path):
    root = unzip(build(case_with_material, larry), tmp_path / "out")
    info = root / "bag-info.txt"
    info.write_text(info.read_text().replace("Example Frontier Lab", "Someone Else Entirely"))
    code, output = run_verifier(root)
    assert code == 1
    assert "bag-info.txt: sha256 does not match tagmanifest-sha256.txt" in output
    assert "bag-info.txt: sha512 does not match tagmanifest-sha512.txt" in output


def test_a_changed_event_of_the_timeline_is_named(case_with_material, larry, tmp_path):
    root = unzip(build(case_with_material, larry), tmp_path / "out")
    timeline = root / "data/timeline.jsonl"
    lines = timeline.read_text().splitlines()
    event = json.loads(lines[1])
    event["data"]["name"] = "innocuous.txt"
    lines[1] = json.dumps(event, sort_keys=True)
    timeline.write_text("\n".join(lines) + "\n")
    code, output = run_verifier(root)
    assert code == 1
    assert "data/timeline.jsonl: sha256 does not match manifest-sha256.txt" in output
    assert "data/timeline.jsonl: event 2 (line 2): content does not match its hash" in output
    assert "event 1 " not in output and "event 3 " not in output


def test_the_signature_fails_with_another_key(case_with_material, larry, tmp_path):
    root = unzip(build(case_with_material, larry), tmp_path / "out")
    other = tmp_path / "other.pem"
    other.write_bytes(
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    code, output = run_verifier(root, "--public-key", other)
    assert code == 1
    assert "signature.ed25519: the signature over tagmanifest-sha512.txt does not verify" in output
    code, output = run_verifier(root, "--public-key", lab_key(tmp_path))
    assert code == 0, output


def test_the_zip_holds_only_the_bag_uncompressed(case_with_material, larry):
    export = build(case_with_material, larry)
    with zipfile.ZipFile(bundle_file(export)) as archive:
        infos = archive.infolist()
    root = f"{case_with_material.number}-export-{export.pk}/"
    assert all(i.filename.startswith(root) for i in infos)
    assert {i.compress_type for i in infos} == {zipfile.ZIP_STORED}
    names = {i.filename[len(root) :] for i in infos}
    assert {"signature.ed25519", "verify.py", "export-public-key.pem"} <= names
    assert {"tagmanifest-sha256.txt", "tagmanifest-sha512.txt"} <= names
