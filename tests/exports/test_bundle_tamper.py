"""A bundle carries the checkpoint that anchors its timeline, and verify.py says what it
checked: the forgeries an attacker who edits a bundle and re-signs it with a key of their own
can make are named, or flagged as "signer not checked" with the forger's fingerprint."""

import base64
import hashlib
import json
import shutil
import subprocess

import bagit
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from exports.checkpoints import checkpoint_write
from tests.exports.conftest import build, unzip
from tests.exports.test_bundle import lab_key, run_verifier


def reseal(root, key: Ed25519PrivateKey, *, checkpoint: bool = True) -> str:
    """What a forger does after editing the payload: the checkpoint signed again (unless not
    `checkpoint`), new manifests, Payload-Oxum, tag manifests, their own public key shipped in
    the bundle, a fresh signature. Returns the forger's key fingerprint."""
    anchor = root / "data/checkpoint/checkpoint.json"
    if checkpoint and anchor.exists():
        signature = base64.b64encode(key.sign(anchor.read_bytes())) + b"\n"
        anchor.with_suffix(".sig").write_bytes(signature)
    payload = sorted(p for p in (root / "data").rglob("*") if p.is_file())
    for algorithm in ("sha256", "sha512"):
        lines = [
            f"{hashlib.new(algorithm, p.read_bytes()).hexdigest()}  {p.relative_to(root)}\n"
            for p in payload
        ]
        (root / f"manifest-{algorithm}.txt").write_text("".join(lines))
    oxum = f"{sum(p.stat().st_size for p in payload)}.{len(payload)}"
    info = root / "bag-info.txt"
    info.write_text(
        "".join(
            f"Payload-Oxum: {oxum}\n" if line.startswith("Payload-Oxum:") else line + "\n"
            for line in info.read_text().splitlines()
        )
    )
    public = key.public_key()
    (root / "export-public-key.pem").write_bytes(
        public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    tags = sorted(
        p
        for p in root.iterdir()
        if p.is_file() and not p.name.startswith("tagmanifest-") and p.name != "signature.ed25519"
    )
    for algorithm in ("sha256", "sha512"):
        lines = [f"{hashlib.new(algorithm, p.read_bytes()).hexdigest()}  {p.name}\n" for p in tags]
        (root / f"tagmanifest-{algorithm}.txt").write_text("".join(lines))
    signed = (root / "tagmanifest-sha512.txt").read_bytes()
    (root / "signature.ed25519").write_bytes(base64.b64encode(key.sign(signed)) + b"\n")
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


@pytest.fixture
def anchored_bundle(case_with_material, larry, tmp_path):
    checkpoint_write()
    export = build(case_with_material, larry)
    return export, unzip(export, tmp_path / "out")


def test_a_bundle_carries_its_checkpoint_and_passes_bagit_and_verify_py(anchored_bundle, tmp_path):
    export, root = anchored_bundle
    for name in ("checkpoint.json", "checkpoint.sig", "inclusion.json"):
        assert (root / "data/checkpoint" / name).is_file()
    bagit.Bag(str(root)).validate()  # the Library of Congress validator, every checksum
    proof = json.loads((root / "data/checkpoint/inclusion.json").read_text())
    assert proof["chain"]["case"] == export.case.number
    code, output = run_verifier(root, "--public-key", lab_key(tmp_path))
    assert code == 0, output
    assert f"events 1-{proof['chain']['length']} anchored by the checkpoint of" in output


def test_a_head_that_differs_from_the_checkpoint_is_named(anchored_bundle, tmp_path):
    _, root = anchored_bundle
    proof_file = root / "data/checkpoint/inclusion.json"
    proof = json.loads(proof_file.read_text())
    proof["chain"]["head"] = "f" * 64
    proof_file.write_text(json.dumps(proof))
    reseal(root, Ed25519PrivateKey.generate())
    code, output = run_verifier(root)
    assert code == 1
    assert "the case's chain head is not in the checkpoint's Merkle tree" in output
    assert f"event {proof['chain']['length']} does not have the hash the checkpoint" in output


def test_a_resigned_forgery_is_flagged_without_a_key_and_refused_with_it(anchored_bundle, tmp_path):
    export, root = anchored_bundle
    accounts = root / "data/accounts.csv"
    accounts.write_text(accounts.read_text().splitlines()[0] + "\n")  # the suspects, gone
    reseal(root, Ed25519PrivateKey.generate(), checkpoint=False)
    code, output = run_verifier(root)
    assert code == 1  # the lab's checkpoint does not verify with the forger's key
    assert "data/checkpoint/checkpoint.json: the checkpoint's signature does not verify" in output
    forger = reseal(root, Ed25519PrivateKey.generate())
    code, output = run_verifier(root)
    assert code == 2, output  # intact as a bag, but signed by whoever shipped the key
    assert "WARNING: only integrity was verified, not who signed" in output
    assert f"Signer's key fingerprint: {forger}" in output
    assert forger != export.key_fingerprint
    code, output = run_verifier(root, "--public-key", lab_key(tmp_path))
    assert code == 1
    assert "signature.ed25519: the signature over tagmanifest-sha512.txt does not verify" in output


def test_redacting_an_event_of_a_full_bundle_is_refused(anchored_bundle, tmp_path):
    _, root = anchored_bundle
    timeline = root / "data/timeline.jsonl"
    lines = timeline.read_text().splitlines()
    event = json.loads(lines[1])
    lines[1] = json.dumps(
        {k: event[k] for k in ("seq", "kind", "prev_hash", "hash")} | {"redacted": True}
    )
    timeline.write_text("\n".join(lines) + "\n")
    reseal(root, Ed25519PrivateKey.generate())
    code, output = run_verifier(root)
    assert code == 1
    assert (
        "event 2 (line 2): marked redacted, but the bundle's options (full) do not allow "
        "redaction" in output
    )


@pytest.mark.skipif(not shutil.which("openssl"), reason="needs openssl")
def test_the_signatures_verify_with_openssl_alone(anchored_bundle, tmp_path):
    """What verify.py's header tells a reader without Python: base64 -d, then pkeyutl."""
    _, root = anchored_bundle
    key = lab_key(tmp_path)

    def openssl_verifies(message, signature_b64):
        signature = tmp_path / "signature.bin"
        signature.write_bytes(base64.b64decode(signature_b64.read_bytes()))
        result = subprocess.run(
            ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", str(key), "-rawin",
             "-in", str(message), "-sigfile", str(signature)],
            capture_output=True,
            text=True,
        )  # fmt: skip
        return result.returncode == 0 and "Signature Verified Successfully" in result.stdout

    assert openssl_verifies(root / "tagmanifest-sha512.txt", root / "signature.ed25519")
    checkpoint = root / "data/checkpoint"
    assert openssl_verifies(checkpoint / "checkpoint.json", checkpoint / "checkpoint.sig")
    tagmanifest = root / "tagmanifest-sha512.txt"
    tagmanifest.write_bytes(tagmanifest.read_bytes().replace(b"bag-info", b"bag-lnfo"))
    assert not openssl_verifies(tagmanifest, root / "signature.ed25519")
