#!/usr/bin/env python3
"""Verify a Quarry export bundle without Quarry.

Needs only Python 3.9+ and the `cryptography` package (pip install cryptography). Usage:

    python verify.py BUNDLE.zip                       # the zip as received
    python verify.py path/to/unzipped/bag             # or the unzipped bag directory
    python verify.py                                  # the bag this script sits in
    python verify.py BUNDLE.zip --public-key key.pem  # check against the key the lab publishes

It checks, and names every file that fails:
  1. every entry of manifest-sha256.txt and manifest-sha512.txt against the payload (data/),
     and that no payload file is missing from a manifest;
  2. every entry of tagmanifest-sha256.txt and tagmanifest-sha512.txt against the tag files;
  3. Payload-Oxum in bag-info.txt (total payload bytes . number of payload files);
  4. the audit trail's hash chain in data/timeline.jsonl, and that its last hash is the
     Quarry-Audit-Chain-Head of bag-info.txt; events marked "redacted" are accepted only when
     Quarry-Export-Options says "pseudonymised";
  5. the Ed25519 signature in signature.ed25519 over the exact bytes of tagmanifest-sha512.txt,
     with the public key given by --public-key, or else the one shipped in export-public-key.pem;
  6. the audit checkpoint in data/checkpoint/ (when the lab had one): its signature with the
     same key, the case's inclusion proof up to the checkpoint's Merkle root, and that the
     checkpointed head is the hash of that event in the timeline; its RFC 3161 time stamp
     (checkpoint.tsr) against the checkpoint, when the rfc3161-client package is installed.

Without --public-key only integrity is proven: anyone can edit a bundle, re-hash it and sign
it again with a key of their own shipped inside. Compare the printed fingerprint with the one
the lab publishes, or better, pass the lab's key with --public-key.

Exit status: 0 intact and signed by the given key; 1 a problem (each one is printed);
2 intact, but the signer was not checked (no --public-key).

The signature can also be checked with OpenSSL 3 alone:

    base64 -d signature.ed25519 > signature.bin
    openssl pkeyutl -verify -pubin -inkey lab-public-key.pem -rawin \
        -in tagmanifest-sha512.txt -sigfile signature.bin

and the checkpoint's the same way (-in data/checkpoint/checkpoint.json, the signature from
data/checkpoint/checkpoint.sig), its time stamp with
`openssl ts -verify -data data/checkpoint/checkpoint.json -in data/checkpoint/checkpoint.tsr
-CAfile <the time-stamp authority's root certificate>`.

The chain: each line of timeline.jsonl is one event. Its hash is

    SHA-256( prev_hash as 64 lowercase hex characters || canonical JSON )

where the canonical JSON is the object {"actor", "at", "case", "data", "kind", "seq"} of the
event, serialised as UTF-8 with sorted keys, no whitespace (separators "," and ":") and
non-ASCII characters kept as they are (Python: json.dumps(obj, sort_keys=True,
separators=(",", ":"), ensure_ascii=False)). The first event's prev_hash is 64 zeros. An event
marked "redacted" (pseudonymised bundles) carries no data: only its place in the chain (seq,
prev_hash, hash) can be checked.

The checkpoint (RFC 9162 Merkle tree): a leaf is SHA-256(0x00 || canonical JSON of
{"case", "head", "length"}), an inner node SHA-256(0x01 || left || right); inclusion.json gives
the leaf's index, the tree size and the audit path, checked as in RFC 9162 section 2.1.3.2.
"""

import argparse
import base64
import hashlib
import json
import os
import sys
import zipfile

CHUNK = 1024 * 1024
GENESIS = "0" * 64
ALGORITHMS = ("sha256", "sha512")
SIGNATURE_FILE = "signature.ed25519"
PUBLIC_KEY_FILE = "export-public-key.pem"
TIMELINE_FILE = "data/timeline.jsonl"
CHECKPOINT_DIR = "data/checkpoint"
EXIT_OK, EXIT_PROBLEMS, EXIT_SIGNER_UNCHECKED = 0, 1, 2
REQUIRED_TAG_FILES = ("bagit.txt", "bag-info.txt", "manifest-sha256.txt", "manifest-sha512.txt")


class ZipBag:
    """A bag inside a zip: the bag's root is the folder that holds bagit.txt."""

    def __init__(self, path):
        self.zip = zipfile.ZipFile(path)
        candidates = [n for n in self.zip.namelist() if n.rsplit("/", 1)[-1] == "bagit.txt"]
        if not candidates:
            raise ValueError("no bagit.txt in the zip: this is not a bag")
        top = min(candidates, key=lambda n: n.count("/"))
        self.prefix = top[: -len("bagit.txt")]
        self._files = sorted(
            n[len(self.prefix) :]
            for n in self.zip.namelist()
            if n.startswith(self.prefix) and not n.endswith("/")
        )

    def files(self):
        return self._files

    def open(self, name):
        return self.zip.open(self.prefix + name)

    def size(self, name):
        return self.zip.getinfo(self.prefix + name).file_size


class DirectoryBag:
    def __init__(self, path):
        if not os.path.isfile(os.path.join(path, "bagit.txt")):
            raise ValueError(f"no bagit.txt in {path}: this is not a bag")
        self.root = path
        found = []
        for folder, _dirs, names in os.walk(path):
            for name in names:
                full = os.path.join(folder, name)
                found.append(os.path.relpath(full, path).replace(os.sep, "/"))
        self._files = sorted(found)

    def files(self):
        return self._files

    def open(self, name):
        return open(os.path.join(self.root, *name.split("/")), "rb")

    def size(self, name):
        return os.path.getsize(os.path.join(self.root, *name.split("/")))


def open_bag(path):
    return ZipBag(path) if os.path.isfile(path) else DirectoryBag(path)


def read(bag, name):
    with bag.open(name) as handle:
        return handle.read()


def hash_file(bag, name, algorithms):
    hashers = {a: hashlib.new(a) for a in algorithms}
    with bag.open(name) as handle:
        while True:
            chunk = handle.read(CHUNK)
            if not chunk:
                break
            for hasher in hashers.values():
                hasher.update(chunk)
    return {a: h.hexdigest() for a, h in hashers.items()}


def decode_path(path):
    return path.replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%")


def parse_manifest(bag, name, problems):
    entries = {}
    try:
        text = read(bag, name).decode("utf-8")
    except KeyError:
        problems.append(f"{name}: missing")
        return entries
    except FileNotFoundError:
        problems.append(f"{name}: missing")
        return entries
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split(None, 1)
        if len(parts) != 2:
            problems.append(f"{name}: line {number} is not 'CHECKSUM PATH'")
            continue
        path = decode_path(parts[1].lstrip("*").strip())
        if path.startswith("/") or ".." in path.split("/"):
            problems.append(f"{name}: line {number} names an unsafe path {path!r}")
            continue
        entries[path] = parts[0].lower()
    return entries


def check_manifests(bag, kind, expected_files, problems):
    """kind is "manifest" (payload) or "tagmanifest" (tag files)."""
    per_algorithm = {a: parse_manifest(bag, f"{kind}-{a}.txt", problems) for a in ALGORITHMS}
    present = set(bag.files())
    listed = set()
    for entries in per_algorithm.values():
        listed.update(entries)
    for path in sorted(listed):
        if path not in present:
            problems.append(f"{path}: listed in {kind}-*.txt but missing from the bag")
            continue
        wanted = [a for a in ALGORITHMS if path in per_algorithm[a]]
        computed = hash_file(bag, path, wanted)
        for algorithm in wanted:
            if computed[algorithm] != per_algorithm[algorithm][path]:
                problems.append(
                    f"{path}: {algorithm} does not match {kind}-{algorithm}.txt "
                    f"(file hashes to {computed[algorithm]})"
                )
    for algorithm, entries in per_algorithm.items():
        for path in sorted(expected_files):
            if path not in entries:
                problems.append(f"{path}: not listed in {kind}-{algorithm}.txt")


def parse_bag_info(bag, problems):
    fields = {}
    try:
        text = read(bag, "bag-info.txt").decode("utf-8")
    except (KeyError, FileNotFoundError):
        problems.append("bag-info.txt: missing")
        return fields
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if ":" not in line:
            problems.append(f"bag-info.txt: line {number} is not 'Label: value'")
            continue
        label, value = line.split(":", 1)
        fields.setdefault(label.strip(), value.strip())
    return fields


def check_oxum(bag, payload, fields, problems):
    oxum = fields.get("Payload-Oxum")
    if oxum is None:
        problems.append("bag-info.txt: no Payload-Oxum")
        return
    actual = f"{sum(bag.size(p) for p in payload)}.{len(payload)}"
    if oxum != actual:
        problems.append(
            f"bag-info.txt: Payload-Oxum is {oxum} but the payload is {actual} (bytes.files)"
        )


def canonical_json(payload):
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def check_chain(bag, fields, problems, want_seq=None):
    """Returns the number of events checked, how many of them were redacted, and the hash of
    event `want_seq` (None if there is none)."""
    if TIMELINE_FILE not in bag.files():
        problems.append(f"{TIMELINE_FILE}: missing")
        return 0, 0, None
    options = [o.strip() for o in fields.get("Quarry-Export-Options", "full").split(",")]
    may_redact = "pseudonymised" in options
    expected_prev, expected_seq, redacted, wanted = GENESIS, 1, 0, None
    with bag.open(TIMELINE_FILE) as handle:
        for number, raw in enumerate(handle, 1):
            if not raw.strip():
                continue
            try:
                event = json.loads(raw)
                seq, prev_hash, stored = event["seq"], event["prev_hash"], event["hash"]
            except (ValueError, KeyError, TypeError):
                problems.append(f"{TIMELINE_FILE}: line {number} is not an event")
                expected_seq += 1
                continue
            where = f"{TIMELINE_FILE}: event {seq} (line {number})"
            if seq != expected_seq:
                problems.append(f"{where}: expected event {expected_seq} here")
            if prev_hash != expected_prev:
                problems.append(f"{where}: prev_hash does not match the previous event's hash")
            if seq == want_seq:
                wanted = stored
            if event.get("redacted") and not may_redact:
                problems.append(
                    f"{where}: marked redacted, but the bundle's options "
                    f"({', '.join(options)}) do not allow redaction: its content was withheld"
                )
            elif event.get("redacted"):
                redacted += 1
            else:
                try:
                    payload = {k: event[k] for k in ("actor", "at", "case", "data", "kind", "seq")}
                except KeyError as missing:
                    problems.append(f"{where}: no {missing.args[0]!r} field")
                else:
                    computed = hashlib.sha256(
                        prev_hash.encode("ascii") + canonical_json(payload)
                    ).hexdigest()
                    if computed != stored:
                        problems.append(f"{where}: content does not match its hash")
            expected_prev, expected_seq = stored, seq + 1
    head = fields.get("Quarry-Audit-Chain-Head")
    if head is None:
        problems.append("bag-info.txt: no Quarry-Audit-Chain-Head")
    elif head != expected_prev:
        problems.append(
            f"{TIMELINE_FILE}: last hash {expected_prev} is not the "
            f"Quarry-Audit-Chain-Head {head} of bag-info.txt"
        )
    return expected_seq - 1, redacted, wanted


def fingerprint(public_key):
    from cryptography.hazmat.primitives import serialization

    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def load_public_key(bag, public_key_path, problems):
    """Returns (key, source), or (None, None) after naming the problem."""
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError:
        problems.append(f"{SIGNATURE_FILE}: cannot check it: pip install cryptography")
        return None, None
    if public_key_path:
        with open(public_key_path, "rb") as handle:
            pem, source = handle.read(), public_key_path
    else:
        try:
            pem, source = read(bag, PUBLIC_KEY_FILE), f"{PUBLIC_KEY_FILE} (shipped in the bundle)"
        except (KeyError, FileNotFoundError):
            problems.append(f"{PUBLIC_KEY_FILE}: missing; give the key with --public-key")
            return None, None
    try:
        public_key = serialization.load_pem_public_key(pem)
    except ValueError:
        problems.append(f"{source}: not a PEM public key")
        return None, None
    if not isinstance(public_key, Ed25519PublicKey):
        problems.append(f"{source}: not an Ed25519 public key")
        return None, None
    return public_key, source


def signature_verifies(public_key, signature_b64, message):
    from cryptography.exceptions import InvalidSignature

    try:
        public_key.verify(base64.b64decode(signature_b64.strip(), validate=True), message)
    except (ValueError, InvalidSignature):
        return False
    return True


def check_signature(bag, public_key, source, problems):
    try:
        signature, signed = read(bag, SIGNATURE_FILE), read(bag, "tagmanifest-sha512.txt")
    except (KeyError, FileNotFoundError):
        problems.append(f"{SIGNATURE_FILE} or tagmanifest-sha512.txt: missing")
        return
    if not signature_verifies(public_key, signature, signed):
        problems.append(
            f"{SIGNATURE_FILE}: the signature over tagmanifest-sha512.txt does not verify "
            f"with the key {fingerprint(public_key)} from {source}"
        )


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def inclusion_verifies(index, size, leaf, path, root):
    """RFC 9162 section 2.1.3.2."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def read_inclusion(bag, problems):
    name = f"{CHECKPOINT_DIR}/inclusion.json"
    if name not in bag.files():
        return None
    try:
        proof = json.loads(read(bag, name))
        chain = proof["chain"]
        well_formed = (
            isinstance(chain["length"], int)
            and isinstance(chain["head"], str)
            and isinstance(chain["case"], str)
            and isinstance(proof["leaf_index"], int)
            and isinstance(proof["tree_size"], int)
            and all(isinstance(h, str) for h in proof["path"])
        )
    except (ValueError, KeyError, TypeError):
        well_formed = False
    if not well_formed:
        problems.append(f"{name}: not an inclusion proof")
        return None
    return proof


def check_checkpoint(bag, proof, head_at_length, case_number, public_key, problems, notes):
    """The checkpoint's signature, the case's inclusion in it, and its head in the timeline."""
    where = f"{CHECKPOINT_DIR}/checkpoint.json"
    try:
        body = read(bag, where)
        signature = read(bag, f"{CHECKPOINT_DIR}/checkpoint.sig")
        head = json.loads(body)
        root = bytes.fromhex(head["merkle_root"])
    except (KeyError, FileNotFoundError, ValueError, TypeError):
        problems.append(f"{where} or checkpoint.sig: missing or not a checkpoint")
        return
    if public_key is not None and not signature_verifies(public_key, signature, body):
        problems.append(
            f"{where}: the checkpoint's signature does not verify with the key "
            f"{fingerprint(public_key)}"
        )
    chain = proof["chain"]
    leaf = hashlib.sha256(
        b"\x00"
        + canonical_json({"case": chain["case"], "head": chain["head"], "length": chain["length"]})
    ).digest()
    try:
        path = [bytes.fromhex(h) for h in proof["path"]]
    except ValueError:
        path = None
    if path is None or not inclusion_verifies(
        int(proof["leaf_index"]), int(proof["tree_size"]), leaf, path, root
    ):
        problems.append(
            f"{CHECKPOINT_DIR}/inclusion.json: the case's chain head is not in the "
            "checkpoint's Merkle tree"
        )
    if int(proof["tree_size"]) != head.get("tree_size"):
        problems.append(f"{CHECKPOINT_DIR}/inclusion.json: tree size differs from the checkpoint")
    if case_number and chain["case"] != case_number:
        problems.append(
            f"{CHECKPOINT_DIR}/inclusion.json: proves case {chain['case']}, not {case_number}"
        )
    if head_at_length != chain["head"]:
        problems.append(
            f"{TIMELINE_FILE}: event {chain['length']} does not have the hash the checkpoint "
            f"of {head.get('issued_at')} recorded ({chain['head']}): history was rewritten "
            "after the checkpoint"
        )
    notes.append(
        f"events 1-{chain['length']} anchored by the checkpoint of {head.get('issued_at')} "
        f"(Merkle root {head.get('merkle_root')})"
    )
    check_timestamp(bag, body, problems, notes)


def check_timestamp(bag, body, problems, notes):
    name = f"{CHECKPOINT_DIR}/checkpoint.tsr"
    if name not in bag.files():
        return
    try:
        from rfc3161_client import decode_timestamp_response
    except ImportError:
        notes.append(
            f"{name}: RFC 3161 time stamp not checked here (pip install rfc3161-client, or "
            "openssl ts -verify, see the top of this file)"
        )
        return
    try:
        info = decode_timestamp_response(read(bag, name)).tst_info
    except ValueError:
        problems.append(f"{name}: not an RFC 3161 time-stamp response")
        return
    if info.message_imprint.message != hashlib.sha256(body).digest():
        problems.append(f"{name}: the time stamp is over other bytes than checkpoint.json")
        return
    notes.append(
        f"checkpoint time-stamped at {info.gen_time.isoformat()} (the authority's signature "
        "is checked with openssl ts -verify and its root certificate)"
    )


def case_number_of(fields):
    identifier = fields.get("External-Identifier", "")
    return identifier.split(" ", 1)[0] if identifier else None


def verify(path, public_key_path=None):
    """Returns (problems, notes)."""
    problems, notes, _signer = verify_report(path, public_key_path)
    return problems, notes


def verify_report(path, public_key_path=None):
    """Returns (problems, notes, signer): signer is {"fingerprint", "given"} or None."""
    problems, notes = [], []
    try:
        bag = open_bag(path)
    except (ValueError, OSError, zipfile.BadZipFile) as exc:
        return [f"{path}: {exc}"], notes, None
    files = bag.files()
    bagit = read(bag, "bagit.txt").decode("utf-8", "replace")
    if "BagIt-Version: 1.0" not in bagit:
        problems.append("bagit.txt: not BagIt-Version 1.0")
    payload = [f for f in files if f.startswith("data/")]
    check_manifests(bag, "manifest", payload, problems)
    required = [t for t in REQUIRED_TAG_FILES if t in files]
    for missing in sorted(set(REQUIRED_TAG_FILES) - set(required)):
        problems.append(f"{missing}: missing")
    check_manifests(bag, "tagmanifest", required, problems)
    fields = parse_bag_info(bag, problems)
    check_oxum(bag, payload, fields, problems)
    proof = read_inclusion(bag, problems)
    want = proof["chain"]["length"] if proof else None
    events, redacted, head_at_length = check_chain(bag, fields, problems, want_seq=want)
    public_key, source = load_public_key(bag, public_key_path, problems)
    if public_key is not None:
        check_signature(bag, public_key, source, problems)
    notes.append(f"{len(payload)} payload files, {events} audit events")
    if redacted:
        notes.append(f"{redacted} redacted events checked by their place in the chain only")
    if proof:
        check_checkpoint(
            bag, proof, head_at_length, case_number_of(fields), public_key, problems, notes
        )
    else:
        notes.append("no audit checkpoint in the bundle: the chain is not anchored outside it")
    signer = None
    if public_key is not None:
        signer = {"fingerprint": fingerprint(public_key), "given": bool(public_key_path)}
    return problems, notes, signer


def main(argv=None, out=None):
    out = out or sys.stdout
    parser = argparse.ArgumentParser(description="Verify a Quarry export bundle offline.")
    parser.add_argument(
        "bundle",
        nargs="?",
        default=os.path.dirname(os.path.abspath(__file__)),
        help="the bundle zip or the unzipped bag directory (default: the bag holding this file)",
    )
    parser.add_argument("--public-key", help="PEM file of the Ed25519 key the lab publishes")
    args = parser.parse_args(argv)
    problems, notes, signer = verify_report(args.bundle, args.public_key)
    if problems:
        print(f"FAILED: {len(problems)} problem(s) in {args.bundle}", file=out)
        for problem in problems:
            print(f"  {problem}", file=out)
        return EXIT_PROBLEMS
    if signer and signer["given"]:
        print(f"OK: {args.bundle}", file=out)
        print(f"  signed by the key you gave, fingerprint {signer['fingerprint']}", file=out)
        code = EXIT_OK
    else:
        print(f"INTACT, SIGNER NOT CHECKED: {args.bundle}", file=out)
        print(
            "  WARNING: only integrity was verified, not who signed. The key used is the one "
            "shipped inside the bundle, which anyone who altered the bundle could have "
            "replaced with their own.",
            file=out,
        )
        print(
            f"  Signer's key fingerprint: {signer['fingerprint'] if signer else 'unknown'}",
            file=out,
        )
        print(
            "  Compare it with the fingerprint the lab publishes, or run again with "
            "--public-key <the lab's published key>.",
            file=out,
        )
        code = EXIT_SIGNER_UNCHECKED
    for note in notes:
        print(f"  {note}", file=out)
    return code


if __name__ == "__main__":
    sys.exit(main())
