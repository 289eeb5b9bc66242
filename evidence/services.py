"""Evidence comes in as a stream; both hashes are computed on the way to a temporary file, and
only then is the file stored under its SHA-256. Hashing and storage I/O stay outside the
database transaction."""

import hashlib
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import filetype
from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from cases.audit import event_append
from cases.models import Case
from cases.services import case_lock_for_change
from core.errors import DomainError, PermissionDenied
from core.roles import CONTRIBUTE_ROLES, user_roles

from .models import CustodyAction, CustodyEvent, Evidence, storage_key_for
from .selectors import evidence_of_case
from .storage import evidence_storage

CHUNK = 1024 * 1024
UPLOAD_REFUSAL = "Adding evidence needs the investigator, lead or legal role."
CLOSED_NO_EVIDENCE = "A closed case takes no new evidence."


@dataclass
class HashedFile:
    path: str
    sha256: str
    sha512: str
    size: int
    head: bytes


def hash_stream_to_tempfile(chunks: Iterable[bytes]) -> HashedFile:
    """Write the stream to a temporary file under var/tmp while computing SHA-256 and SHA-512."""
    tmp_dir = settings.EVIDENCE_UPLOAD_TMP
    os.makedirs(tmp_dir, exist_ok=True)
    sha256, sha512, size, head = hashlib.sha256(), hashlib.sha512(), 0, b""
    fd, path = tempfile.mkstemp(dir=tmp_dir, prefix="evidence-")
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                if not chunk:
                    continue
                size += len(chunk)
                if size > settings.EVIDENCE_MAX_BYTES:
                    raise DomainError(
                        f"Evidence files are at most {filesizeformat(settings.EVIDENCE_MAX_BYTES)}"
                        f" ({settings.EVIDENCE_MAX_BYTES} bytes); this one is larger.",
                        field="file",
                        status=413,
                    )
                if len(head) < 8192:
                    head += chunk[: 8192 - len(head)]
                sha256.update(chunk)
                sha512.update(chunk)
                out.write(chunk)
    except BaseException:
        os.unlink(path)
        raise
    return HashedFile(path, sha256.hexdigest(), sha512.hexdigest(), size, head)


def sniff_content_type(head: bytes, declared_name: str) -> str:
    """What the bytes are, not what the client claimed."""
    kind = filetype.guess(head)
    if kind is not None:
        return kind.mime
    if not head:
        return "application/x-empty"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        # A multi-byte character may be cut at the end of the sniffed head.
        try:
            text = head[:-3].decode("utf-8")
        except UnicodeDecodeError:
            return "application/octet-stream"
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        return "application/json"
    if declared_name.lower().endswith(".csv"):
        return "text/csv"
    return "text/plain"


def _store_blob(hashed: HashedFile) -> None:
    storage = evidence_storage()
    key = storage_key_for(hashed.sha256)
    if storage.exists(key):
        return
    with open(hashed.path, "rb") as handle:
        saved = storage.save(key, File(handle, name=key))
    if saved != key:
        # Another upload of the same bytes won the race and stored `key` first; ours landed
        # beside it under another name. The first copy is never rewritten; drop the extra one.
        storage.delete(saved)


def _clean_name(name: str) -> str:
    base = os.path.basename((name or "").replace("\\", "/")).strip()
    base = "".join(ch for ch in base if ch.isprintable())
    if base in (".", ".."):
        base = ""
    return base[:255] or "unnamed"


def evidence_add(
    *,
    case: Case,
    user,
    chunks: Iterable[bytes],
    original_name: str,
    description: str = "",
    source: str = "",
    collected_at: datetime | None = None,
    collected_by: str = "",
    ip: str | None = None,
    user_agent: str = "",
) -> tuple[Evidence, bool]:
    """Store a file as evidence of a case. Returns (evidence, created); the same bytes added to
    the same case again return the existing item."""
    # Checked once before the (long) hashing, to refuse early, and again under the case's lock
    # before anything is recorded: the case may close while the bytes stream in.
    if not (user_roles(user) & CONTRIBUTE_ROLES):
        raise PermissionDenied(UPLOAD_REFUSAL, field="file")
    if not case.is_open:
        raise DomainError(CLOSED_NO_EVIDENCE, field="file")
    hashed = hash_stream_to_tempfile(chunks)
    if hashed.size == 0:
        os.unlink(hashed.path)
        raise DomainError(f"{_clean_name(original_name)} is empty.", field="file", status=400)
    try:
        existing = evidence_of_case(case).filter(sha256=hashed.sha256).first()
        if existing:
            return existing, False
        _store_blob(hashed)
    finally:
        os.unlink(hashed.path)
    now = timezone.now()
    try:
        with transaction.atomic():
            case = case_lock_for_change(
                case=case,
                user=user,
                roles=CONTRIBUTE_ROLES,
                refusal=UPLOAD_REFUSAL,
                field="file",
                closed=CLOSED_NO_EVIDENCE,
            )
            item = Evidence.objects.create(
                case=case,
                sha256=hashed.sha256,
                sha512=hashed.sha512,
                size=hashed.size,
                content_type=sniff_content_type(hashed.head, original_name),
                original_name=_clean_name(original_name),
                description=description,
                source=source,
                collected_at=collected_at or now,
                collected_by=collected_by or user.get_username(),
                uploaded_by=user,
            )
            custody_record(
                evidence=item,
                action=CustodyAction.COLLECTED,
                actor=item.collected_by,
                detail=source,
            )
            custody_record(
                evidence=item,
                action=CustodyAction.UPLOADED,
                actor=user,
                ip=ip,
                user_agent=user_agent,
                hash_matched=True,
            )
            event_append(
                case=case,
                kind="evidence.added",
                actor=user,
                data={
                    "evidence_id": item.pk,
                    "name": item.original_name,
                    "sha256": item.sha256,
                    "sha512": item.sha512,
                    "size": item.size,
                },
            )
    except IntegrityError:
        # The same bytes were added to this case concurrently; the other request won.
        return Evidence.objects.get(case=case, sha256=hashed.sha256), False
    return item, True


def custody_record(
    *,
    evidence: Evidence,
    action: str,
    actor,
    ip: str | None = None,
    user_agent: str = "",
    hash_matched: bool | None = None,
    detail: str = "",
) -> CustodyEvent:
    label = actor if isinstance(actor, str) else actor.get_username()
    return CustodyEvent.objects.create(
        evidence=evidence,
        action=action,
        actor_label=label,
        ip=ip,
        user_agent=user_agent[:300],
        hash_matched=hash_matched,
        detail=detail,
    )


def evidence_open(evidence: Evidence):
    return evidence_storage().open(evidence.storage_key, "rb")


def evidence_rehash(evidence: Evidence) -> tuple[str, str]:
    sha256, sha512 = hashlib.sha256(), hashlib.sha512()
    with evidence_open(evidence) as handle:
        while chunk := handle.read(CHUNK):
            sha256.update(chunk)
            sha512.update(chunk)
    return sha256.hexdigest(), sha512.hexdigest()


def evidence_verify(*, evidence: Evidence, actor) -> bool:
    sha256, sha512 = evidence_rehash(evidence)
    matched = sha256 == evidence.sha256 and sha512 == evidence.sha512
    custody_record(
        evidence=evidence,
        action=CustodyAction.VERIFIED,
        actor=actor,
        hash_matched=matched,
        detail="" if matched else f"stored bytes hash to sha256 {sha256}",
    )
    return matched


@transaction.atomic
def evidence_record_download(
    *, evidence: Evidence, user, ip: str | None, user_agent: str, case: Case | None = None
) -> None:
    """`case` is the case it was downloaded through (a merge links evidence to the survivor);
    by default the case that collected it."""
    custody_record(
        evidence=evidence, action=CustodyAction.DOWNLOADED, actor=user, ip=ip, user_agent=user_agent
    )
    event_append(
        case=case or evidence.case,
        kind="evidence.downloaded",
        actor=user,
        data={"evidence_id": evidence.pk, "sha256": evidence.sha256},
    )


def evidence_record_view(*, evidence: Evidence, user, ip: str | None, user_agent: str) -> None:
    """A preview shows the content: custody records it like a download."""
    custody_record(
        evidence=evidence, action=CustodyAction.VIEWED, actor=user, ip=ip, user_agent=user_agent
    )
