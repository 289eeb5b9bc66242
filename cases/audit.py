"""The per-case hash chain of the audit trail.

Canonical form of an event (what the hash covers), as UTF-8 JSON with sorted keys, no
whitespace and non-ASCII characters kept as they are:

    {"actor": <label>, "at": <ISO 8601 UTC, microseconds>, "case": <case number>,
     "data": {...}, "kind": <kind>, "seq": <1, 2, ...>}

    hash = SHA-256( prev_hash as 64 lowercase hex characters  ||  canonical JSON bytes )

The first event of a case has prev_hash = 64 zeros. The same rules are written out in the
standalone bundle verifier, which must agree with this module byte for byte.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection
from django.utils import timezone

from core.locks import AUDIT_CHAIN, advisory_xact_lock_many

from .models import Case, CaseEvent

GENESIS = "0" * 64


def canonical_json(payload: dict) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def format_at(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_payload(*, case_number: str, seq: int, kind: str, actor: str, at: datetime, data: dict):
    return {
        "actor": actor,
        "at": format_at(at),
        "case": case_number,
        "data": data,
        "kind": kind,
        "seq": seq,
    }


def chain_hash(prev_hash: str, payload: dict) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_json(payload)).hexdigest()


def actor_label(user) -> str:
    if user is None:
        return "system"
    if isinstance(user, str):
        return user
    return user.get_username()


def event_append(*, case: Case, kind: str, actor=None, data: dict | None = None) -> CaseEvent:
    """Append one event to the case's chain. Must run inside the caller's transaction, so the
    event commits or rolls back with the change it records. The advisory lock serialises
    writers of one case: without it two writers would read the same head and fork the chain."""
    assert connection.in_atomic_block, "event_append must run inside transaction.atomic()"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [AUDIT_CHAIN, case.pk])
    head = CaseEvent.objects.filter(case_id=case.pk).order_by("-seq").values("seq", "hash").first()
    return CaseEvent.objects.create(
        **_chained(
            case_id=case.pk,
            case_number=case.number,
            head=(head["seq"], head["hash"]) if head else None,
            kind=kind,
            actor=actor,
            at=timezone.now(),
            data=data,
        )
    )


def _chained(*, case_id: int, case_number: str, head, kind: str, actor, at, data) -> dict:
    """The fields of the event that follows `head` ((seq, hash), or None for a case's first)."""
    seq, prev_hash = (head[0] + 1, head[1]) if head else (1, GENESIS)
    # JSON round trip so the stored data is exactly what was hashed (no tuples, no dates).
    clean = json.loads(json.dumps(data or {}, default=str))
    label = actor_label(actor)
    payload = event_payload(
        case_number=case_number, seq=seq, kind=kind, actor=label, at=at, data=clean
    )
    return {
        "case_id": case_id,
        "seq": seq,
        "kind": kind,
        "actor": actor if (actor is not None and not isinstance(actor, str)) else None,
        "actor_label": label,
        "at": at,
        "data": clean,
        "prev_hash": prev_hash,
        "hash": chain_hash(prev_hash, payload),
    }


def events_append_many(*, kind: str, actor, data_by_case: dict[int, dict]) -> list[CaseEvent]:
    """Append one event of this kind to each case's chain (keys: case ids), exactly as
    event_append does (same lock, same canonical form), but for all the cases in three
    statements: a routing run touches a hundred cases, and one round trip each would be most
    of its time. Must run inside the caller's transaction."""
    assert connection.in_atomic_block, "events_append_many must run inside transaction.atomic()"
    case_ids = sorted(data_by_case)
    if not case_ids:
        return []
    with connection.cursor() as cursor:
        # event_append's own lock on each case's chain, taken in id order.
        advisory_xact_lock_many(cursor, AUDIT_CHAIN, case_ids)
        cursor.execute(
            "SELECT f.id, c.number, e.seq, e.hash FROM unnest(%s::bigint[]) AS f(id) "
            "JOIN cases_case c ON c.id = f.id "
            "LEFT JOIN LATERAL (SELECT seq, hash FROM cases_caseevent "
            "  WHERE case_id = f.id ORDER BY seq DESC LIMIT 1) AS e ON true",
            [case_ids],
        )
        heads = {row[0]: row[1:] for row in cursor.fetchall()}
    at = timezone.now()
    events = []
    for case_id in case_ids:
        number, seq, prev_hash = heads[case_id]
        events.append(
            CaseEvent(
                **_chained(
                    case_id=case_id,
                    case_number=number,
                    head=(seq, prev_hash) if seq is not None else None,
                    kind=kind,
                    actor=actor,
                    at=at,
                    data=data_by_case[case_id],
                )
            )
        )
    return CaseEvent.objects.bulk_create(events)


@dataclass(frozen=True)
class ChainBreak:
    case_number: str
    seq: int
    reason: str


def chain_verify(case: Case) -> ChainBreak | None:
    """Recompute a case's chain; return the first event that does not match, or None."""
    expected_prev = GENESIS
    expected_seq = 1
    rows = (
        CaseEvent.objects.filter(case_id=case.pk)
        .order_by("seq")
        .values_list("seq", "kind", "actor_label", "at", "data", "prev_hash", "hash")
    )
    for seq, kind, label, at, data, prev_hash, stored_hash in rows.iterator(chunk_size=2000):
        if seq != expected_seq:
            return ChainBreak(case.number, expected_seq, f"event {expected_seq} is missing")
        if prev_hash != expected_prev:
            return ChainBreak(case.number, seq, "prev_hash does not match the previous event")
        payload = event_payload(
            case_number=case.number, seq=seq, kind=kind, actor=label, at=at, data=data
        )
        if chain_hash(prev_hash, payload) != stored_hash:
            return ChainBreak(case.number, seq, "content does not match its hash")
        expected_prev = stored_hash
        expected_seq += 1
    return None


def chain_head(case: Case) -> str:
    head = CaseEvent.objects.filter(case_id=case.pk).order_by("-seq").values("hash").first()
    return head["hash"] if head else GENESIS
