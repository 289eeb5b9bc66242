"""Audit checkpoints: chain heads anchored outside the database.

Triggers stop the app; they do not stop someone with the database superuser's password, who
can switch them off and delete, truncate or rewrite events, then re-hash the chain (the hash
has no key). A checkpoint records, at one instant, every case chain's length and head hash
and the row counts of the append-only tables, with an RFC 9162 Merkle root over the chains;
it is signed with the export key and written append-only to the evidence store (outside the
database), and with QUARRY_TSA_URL also time-stamped by an RFC 3161 authority. Comparing the
live chains with the newest checkpoint then names a rollback, a rewritten head or a truncated
table (checkpoint_compare) -- the idea of Certificate Transparency's signed tree head.

Files, under `checkpoints/<day>/<stem>` in the evidence store:
    <stem>.json         the signed tree head: time, tree size, Merkle root, table counts, the
                        previous checkpoint's digest; canonical JSON, the exact bytes signed
    <stem>.sig          base64 Ed25519 signature over those bytes
    <stem>.tsr          RFC 3161 TimeStampResp over SHA-256 of those bytes (QUARRY_TSA_URL)
    <stem>.chains.json  the leaves: [{"case", "length", "head"}, ...] in case-number order,
                        bound to the head by the Merkle root
The head names no case, so a bundle can carry it with one case's inclusion proof without
disclosing the other cases. The .json is written last: a listed checkpoint is complete.
"""

import base64
import hashlib
import itertools
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connection
from django.utils import timezone

from cases.audit import canonical_json
from config.db_roles import APPEND_ONLY_TABLES

from . import keys, merkle
from .timestamps import TimestampError, timestamp_check, timestamp_request

FORMAT = "quarry-audit-checkpoint/1"
PREFIX = "checkpoints"
log = logging.getLogger(__name__)

# One statement, so one snapshot: heads and counts agree with each other.
_SNAPSHOT = f"""
SELECT
  (SELECT coalesce(json_agg(json_build_object('case', c.number, 'length', e.seq, 'head', e.hash)
                            ORDER BY c.number), '[]')
     FROM cases_case c
     JOIN LATERAL (SELECT seq, hash FROM cases_caseevent
                   WHERE case_id = c.id ORDER BY seq DESC LIMIT 1) e ON true),
  {", ".join(f"(SELECT count(*) FROM {table})" for table in APPEND_ONLY_TABLES)}
"""


def chain_leaf(entry: dict) -> bytes:
    """The bytes of one leaf: {"case", "head", "length"} as canonical JSON."""
    return canonical_json({"case": entry["case"], "head": entry["head"], "length": entry["length"]})


@dataclass(frozen=True)
class Checkpoint:
    name: str  # the .json's name in the evidence store
    body: bytes  # the signed tree head
    signature: bytes
    timestamp: bytes | None
    chains: list[dict]

    @property
    def document(self) -> dict:
        return json.loads(self.body)

    @property
    def issued_at(self) -> datetime:
        return datetime.fromisoformat(self.document["issued_at"].replace("Z", "+00:00"))

    def inclusion(self, case_number: str) -> dict | None:
        """The case's leaf and its inclusion proof, as a bundle carries them."""
        chains = self.chains
        index = next((i for i, c in enumerate(chains) if c["case"] == case_number), None)
        if index is None:
            return None
        leaves = [merkle.leaf_hash(chain_leaf(c)) for c in chains]
        return {
            "leaf_index": index,
            "tree_size": len(chains),
            "chain": chains[index],
            "path": [h.hex() for h in merkle.inclusion_proof(index, leaves)],
        }


def _snapshot() -> tuple[list[dict], dict[str, int]]:
    with connection.cursor() as cursor:
        cursor.execute(_SNAPSHOT)
        chains, *counts = cursor.fetchone()
    if isinstance(chains, str):
        chains = json.loads(chains)
    return chains, dict(zip(APPEND_ONLY_TABLES, counts, strict=True))


def _stem(issued: datetime, body: bytes) -> str:
    at = issued.astimezone(UTC)
    digest = hashlib.sha256(body).hexdigest()[:12]
    return f"{PREFIX}/{at:%Y-%m-%d}/{at:%Y%m%dT%H%M%S.%fZ}-{digest}"


def checkpoint_write() -> Checkpoint:
    """Take a checkpoint now and store it. Time-stamped when QUARRY_TSA_URL is set; a time
    stamp authority that fails costs the token, not the checkpoint (logged)."""
    chains, tables = _snapshot()
    previous = checkpoint_newest()
    key = keys.export_key_load()
    issued = timezone.now()
    leaves = [merkle.leaf_hash(chain_leaf(c)) for c in chains]
    document = {
        "format": FORMAT,
        "issued_at": issued.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "organization": settings.QUARRY_ORGANIZATION,
        "key_fingerprint": keys.key_fingerprint(key.public_key()),
        "tree_size": len(chains),
        "merkle_root": merkle.root(leaves).hex(),
        "tables": tables,
        "previous": (
            {"name": previous.name, "sha256": hashlib.sha256(previous.body).hexdigest()}
            if previous
            else None
        ),
    }
    body = canonical_json(document)
    signature = key.sign(body)
    token = None
    if settings.QUARRY_TSA_URL:
        try:
            token = timestamp_request(body)
        except TimestampError as exc:
            log.error(
                "audit checkpoint: no RFC 3161 token from %s: %s", settings.QUARRY_TSA_URL, exc
            )
    storage = storages["evidence"]
    stem = _stem(issued, body)
    storage.save(f"{stem}.chains.json", ContentFile(canonical_json(chains)))
    storage.save(f"{stem}.sig", ContentFile(base64.b64encode(signature) + b"\n"))
    if token:
        storage.save(f"{stem}.tsr", ContentFile(token))
    name = storage.save(f"{stem}.json", ContentFile(body))
    return Checkpoint(name=name, body=body, signature=signature, timestamp=token, chains=chains)


def checkpoint_load(name: str) -> Checkpoint:
    storage = storages["evidence"]
    stem = name.removesuffix(".json")

    def read(path: str) -> bytes | None:
        try:
            with storage.open(path, "rb") as handle:
                return handle.read()
        except FileNotFoundError:
            return None

    signature = read(f"{stem}.sig") or b""
    try:
        signature = base64.b64decode(signature.strip(), validate=True)
    except ValueError:
        signature = b""
    try:
        chains = json.loads(read(f"{stem}.chains.json") or b"[]")
    except ValueError:
        chains = []
    return Checkpoint(
        name=name,
        body=read(name) or b"{}",
        signature=signature,
        timestamp=read(f"{stem}.tsr"),
        chains=chains,
    )


def _names_newest_first() -> Iterator[str]:
    storage = storages["evidence"]
    try:
        days, _ = storage.listdir(PREFIX)
    except FileNotFoundError:
        return
    for day in sorted(days, reverse=True):
        _, files = storage.listdir(f"{PREFIX}/{day}")
        heads = (f for f in files if f.endswith(".json") and not f.endswith(".chains.json"))
        for name in sorted(heads, reverse=True):
            yield f"{PREFIX}/{day}/{name}"


def checkpoint_newest() -> Checkpoint | None:
    name = next(_names_newest_first(), None)
    return checkpoint_load(name) if name else None


def checkpoint_covering(case_number: str, events: int, *, search: int = 50):
    """The newest checkpoint that anchors a prefix of the case's first `events` events (what a
    bundle of those events can prove), with the case's inclusion proof; or (None, None). A
    checkpoint taken after later events cannot be checked against the bundle, so older ones
    are tried, up to `search` of them."""
    for name in itertools.islice(_names_newest_first(), search):
        checkpoint = checkpoint_load(name)
        proof = checkpoint.inclusion(case_number)
        if proof and proof["chain"]["length"] <= events:
            return checkpoint, proof
    return None, None


def signature_ok(checkpoint: Checkpoint, public: Ed25519PublicKey) -> bool:
    try:
        public.verify(checkpoint.signature, checkpoint.body)
    except InvalidSignature:
        return False
    return True


@dataclass(frozen=True)
class Finding:
    kind: str  # ROLLBACK, REWRITTEN, TRUNCATED, MISSING, SIGNATURE, TIMESTAMP, OVERDUE
    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.kind} {self.where}: {self.what}"


def _live(entries: list[dict]) -> dict[str, tuple[bool, int | None, str | None]]:
    """Per case number: whether the case still exists, its chain's length now, and the hash
    of its event at the checkpointed length."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT x.number, c.id IS NOT NULL, "
            "(SELECT max(seq) FROM cases_caseevent WHERE case_id = c.id), e.hash "
            "FROM unnest(%s::text[], %s::int[]) AS x(number, length) "
            "LEFT JOIN cases_case c ON c.number = x.number "
            "LEFT JOIN cases_caseevent e ON e.case_id = c.id AND e.seq = x.length",
            [[e["case"] for e in entries], [e["length"] for e in entries]],
        )
        return {number: (exists, length, head) for number, exists, length, head in cursor}


def _chain_findings(entries: list[dict]) -> list[Finding]:
    findings = []
    live = _live(entries)
    for entry in entries:
        number, recorded = entry["case"], entry["length"]
        exists, length, head = live[number]
        if not exists:
            findings.append(
                Finding("MISSING", number, f"the case is gone; checkpointed with {recorded} events")
            )
        elif (length or 0) < recorded:
            findings.append(
                Finding(
                    "ROLLBACK",
                    number,
                    f"the chain has {length or 0} events, the checkpoint recorded {recorded}: "
                    "events were deleted or rolled back",
                )
            )
        elif head != entry["head"]:
            findings.append(
                Finding(
                    "REWRITTEN",
                    number,
                    f"event {recorded} hashes to {head}, the checkpoint recorded {entry['head']}: "
                    "history was rewritten",
                )
            )
    return findings


def _table_findings(recorded: dict[str, int], live: dict[str, int]) -> list[Finding]:
    return [
        Finding(
            "TRUNCATED",
            table,
            f"{live[table]} rows, the checkpoint recorded {count}: rows were deleted or the "
            "table was truncated",
        )
        for table, count in recorded.items()
        if table in live and live[table] < count
    ]


def checkpoint_compare(
    checkpoint: Checkpoint | None, *, case_number: str | None = None
) -> list[Finding]:
    """What the live database says against the checkpoint: empty when everything the
    checkpoint recorded is still there, unchanged."""
    max_age = timedelta(seconds=settings.QUARRY_CHECKPOINT_MAX_AGE_SECONDS)
    chains, tables = _snapshot()
    if checkpoint is None:
        stale = _oldest_event_age()
        if stale is not None and stale > max_age:
            return [
                Finding(
                    "OVERDUE",
                    PREFIX,
                    f"no checkpoint in the evidence store, and events {stale} old: run "
                    "`manage.py audit_checkpoint` and check that beat runs",
                )
            ]
        return []
    findings = []
    public = keys.export_key_load().public_key()
    try:
        document = checkpoint.document
        entries = checkpoint.chains
        recorded_tables = document["tables"]
    except (ValueError, KeyError, TypeError):
        return [Finding("SIGNATURE", checkpoint.name, "not a checkpoint document")]
    if not signature_ok(checkpoint, public):
        findings.append(
            Finding(
                "SIGNATURE",
                checkpoint.name,
                "the signature does not verify with the export key "
                f"{keys.key_fingerprint(public)}: the checkpoint was forged or damaged",
            )
        )
    leaves = [merkle.leaf_hash(chain_leaf(c)) for c in entries]
    if merkle.root(leaves).hex() != document.get("merkle_root"):
        findings.append(
            Finding(
                "SIGNATURE",
                checkpoint.name,
                "its chains file does not match the signed Merkle root: it was altered",
            )
        )
    if checkpoint.timestamp is not None:
        try:
            timestamp_check(checkpoint.timestamp, checkpoint.body)
        except TimestampError as exc:
            findings.append(Finding("TIMESTAMP", checkpoint.name, str(exc)))
    if case_number:
        entries = [e for e in entries if e["case"] == case_number]
    else:
        findings += _table_findings(recorded_tables, tables)
    findings += _chain_findings(entries)
    age = timezone.now() - checkpoint.issued_at
    if age > max_age and _changed_since(checkpoint, chains, tables):
        findings.append(
            Finding(
                "OVERDUE",
                checkpoint.name,
                f"the newest checkpoint is {age} old (expected every "
                f"{settings.QUARRY_CHECKPOINT_INTERVAL_SECONDS} s, at most "
                f"{settings.QUARRY_CHECKPOINT_MAX_AGE_SECONDS} s) and changes since are not "
                "anchored: check that beat runs",
            )
        )
    return findings


def _changed_since(checkpoint: Checkpoint, chains: list[dict], tables: dict[str, int]) -> bool:
    recorded = {c["case"]: c["length"] for c in checkpoint.chains}
    return checkpoint.document["tables"] != tables or any(
        recorded.get(c["case"]) != c["length"] for c in chains
    )


def _oldest_event_age() -> timedelta | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(at) FROM cases_caseevent")
        (oldest,) = cursor.fetchone()
    return None if oldest is None else timezone.now() - oldest


def checkpoint_due() -> bool:
    """Beat writes a checkpoint only when something changed since the newest one."""
    newest = checkpoint_newest()
    if newest is None:
        return True
    chains, tables = _snapshot()
    try:
        return _changed_since(newest, chains, tables)
    except (ValueError, KeyError, TypeError):
        return True
