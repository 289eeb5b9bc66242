"""What goes into a bundle, read from the database and the evidence store and streamed into the
bag. Every file is written in chunks: tables are iterated in batches, evidence files are read
1 MiB at a time and re-hashed as they go, so the memory needed does not depend on their size."""

import base64
import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from accounts.models import AccountAttribute, CaseAccount
from cases.audit import GENESIS, event_payload, format_at
from cases.models import Case, CaseEvent
from core.spreadsheets import csv_row
from detection.models import Signal
from evidence.models import CustodyEvent, Evidence
from evidence.services import evidence_open

from . import keys
from .bag import SIGNATURE_FILE, BagZipWriter, bag_info_txt, bagit_txt
from .checkpoints import checkpoint_covering
from .models import Export
from .pseudonyms import Identity, Pseudonymiser
from .report import ReportInput, report_render

CHUNK = 1024 * 1024
BATCH = 2000
SOFTWARE_AGENT = "Quarry 0.1.0 (legal export, BagIt 1.0)"
VERIFIER_SOURCE = Path(__file__).with_name("verify.py")
PUBLIC_KEY_FILE = "export-public-key.pem"
CHECKPOINT_DIR = "data/checkpoint"
# Progress weight of the generated (non-evidence) files, so a metadata-only export moves too.
METADATA_WEIGHT = 4 * 1024 * 1024

Progress = Callable[[int, str], None]


class ExportIntegrityError(Exception):
    """A stored evidence file no longer matches the hashes recorded when it was collected."""

    def __init__(self, evidence: Evidence, sha256: str, sha512: str, size: int):
        super().__init__(
            f"Evidence {evidence.pk} ({evidence.original_name}) no longer matches its recorded "
            f"hash: stored bytes hash to SHA-256 {sha256} ({size} bytes), recorded "
            f"{evidence.sha256} ({evidence.size} bytes). The export was stopped."
        )
        self.evidence = evidence
        self.sha256 = sha256
        self.sha512 = sha512


@dataclass(frozen=True)
class BundleResult:
    payload_oxum: str
    chain_head: str
    key_fingerprint: str
    included_evidence: list[int]


def bundle_root(export: Export) -> str:
    return f"{export.case.number}-export-{export.pk}"


def included_evidence_ids(export: Export) -> list[int]:
    """Pseudonymised bundles leave the evidence files out: their bytes cannot be pseudonymised
    without breaking the hashes they were collected under. Their hashes stay in the bundle."""
    if export.metadata_only or export.pseudonymise:
        return []
    return list(export.options.get("evidence_ids", []))


def evidence_bag_path(item: Evidence) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", item.original_name).strip("._") or "file"
    return f"data/evidence/{item.pk:06d}-{safe[:120]}"


def _batched_lines(lines: Iterable[str]) -> Iterator[bytes]:
    buffer: list[str] = []
    for line in lines:
        buffer.append(line)
        if len(buffer) >= 500:
            yield "".join(buffer).encode()
            buffer.clear()
    if buffer:
        yield "".join(buffer).encode()


def _csv_lines(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(csv_row(header))
    yield out.getvalue()
    for row in rows:
        out.seek(0)
        out.truncate()
        writer.writerow(csv_row(row))
        yield out.getvalue()


def _iso(value: datetime | None) -> str | None:
    return format_at(value) if value else None


def _dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, default=str)


class BundleWriter:
    def __init__(self, export: Export, fileobj, progress: Progress):
        self.export = export
        self.case: Case = Case.objects.select_related("assignee").get(pk=export.case_id)
        self.progress = progress
        self.key = keys.export_key_load()
        self.fingerprint = keys.key_fingerprint(self.key.public_key())
        self.now = timezone.now()
        self.chain_seq: int = export.options["chain_seq"]
        self.evidence = list(
            Evidence.objects.filter(pk__in=export.options.get("evidence_ids", [])).order_by("pk")
        )
        self.included = set(included_evidence_ids(export))
        if export.pseudonymise:
            names = CaseAccount.objects.filter(case=self.case).values_list(
                "account__name", flat=True
            )
            identifiers = AccountAttribute.objects.filter(
                account__case_links__case=self.case
            ).values_list("type", "value")
            self.pseud = Pseudonymiser(
                keys.pseudonym_key(self.key), names.iterator(), identifiers.iterator()
            )
        else:
            self.pseud = Identity()
        self.bag = BagZipWriter(fileobj, root=bundle_root(export), when=self.now)
        self.report_accounts: list[dict] = []
        self.accounts_total = 0
        self.chain_head = GENESIS
        self.checkpoint_name: str | None = None

    def write(self) -> BundleResult:
        try:
            self._write_all()
        except BaseException:
            self.bag.abandon()
            raise
        self.bag.close()
        return BundleResult(
            payload_oxum=self.bag.payload_oxum(),
            chain_head=self.chain_head,
            key_fingerprint=self.fingerprint,
            included_evidence=sorted(self.included),
        )

    def _write_all(self) -> None:
        self.progress(0, "case.json")
        self.bag.add_bytes("data/case.json", self._case_json())
        self.progress(0, "timeline.jsonl")
        self.bag.add("data/timeline.jsonl", _batched_lines(self._timeline_lines()))
        self.progress(0, "accounts.csv")
        self.bag.add("data/accounts.csv", _batched_lines(self._account_lines()))
        self.progress(0, "signals.jsonl")
        self.bag.add("data/signals.jsonl", _batched_lines(self._signal_lines()))
        self.progress(0, "custody.csv")
        self.bag.add("data/custody.csv", _batched_lines(self._custody_lines()))
        self.progress(METADATA_WEIGHT // 2, "")
        for item in self.evidence:
            if item.pk in self.included:
                self._add_evidence(item)
        self._add_checkpoint()
        self.progress(0, "report.pdf")
        self.bag.add_bytes("data/report.pdf", self._report())
        self.progress(METADATA_WEIGHT // 2, "manifests and signature")
        self._add_tag_files()

    # -- payload ------------------------------------------------------------------------------

    def _evidence_record(self, item: Evidence) -> dict:
        p = self.pseud
        return {
            "id": item.pk,
            "original_name": p.text(item.original_name),
            "path": evidence_bag_path(item) if item.pk in self.included else None,
            "sha256": item.sha256,
            "sha512": item.sha512,
            "size": item.size,
            "content_type": item.content_type,
            "description": p.text(item.description),
            "source": p.text(item.source),
            "collected_at": _iso(item.collected_at),
            "collected_by": p.staff(item.collected_by),
            "uploaded_at": _iso(item.uploaded_at),
        }

    def _case_record(self) -> dict:
        case, p = self.case, self.pseud
        return {
            "number": case.number,
            "title": p.text(case.title),
            "summary": p.text(case.summary),
            "severity": case.severity,
            "state": case.state,
            "resolution": case.resolution,
            "closing_summary": p.text(case.closing_summary),
            "duplicate_of": case.duplicate_of.number if case.duplicate_of_id else None,
            "suspected_actor": p.text(case.suspected_actor),
            "actor_confidence": case.actor_confidence,
            "assignee": p.staff(case.assignee.get_username()) if case.assignee_id else None,
            "members": sorted(p.staff(u.get_username()) for u in case.members.all()),
            "restricted": case.restricted,
            "legal_hold": case.legal_hold,
            "tags": [p.text(t) for t in case.tags],
            "created_at": _iso(case.created_at),
            "updated_at": _iso(case.updated_at),
            "state_timestamps": {
                name: _iso(getattr(case, f"{name}_at"))
                for name in (
                    "triaged",
                    "investigating",
                    "enforcement",
                    "legal_review",
                    "referred",
                    "closed",
                    "reopened",
                )
            },
            "triage_due_at": _iso(case.triage_due_at),
            "resolve_due_at": _iso(case.resolve_due_at),
        }

    def _export_record(self) -> dict:
        return {
            "id": self.export.pk,
            "generated_at": _iso(self.now),
            "requested_by": self.pseud.staff(self.export.requested_by_label),
            "metadata_only": self.export.metadata_only,
            "pseudonymised": self.export.pseudonymise,
            "organisation": settings.QUARRY_ORGANIZATION,
            "audit_events": self.chain_seq,
            "key_fingerprint": self.fingerprint,
        }

    def _case_json(self) -> bytes:
        record = {
            "case": self._case_record(),
            "export": self._export_record(),
            "evidence": [self._evidence_record(e) for e in self.evidence],
        }
        return (json.dumps(record, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()

    def _events(self):
        return (
            CaseEvent.objects.filter(case_id=self.case.pk, seq__lte=self.chain_seq)
            .order_by("seq")
            .values_list("seq", "kind", "actor_label", "at", "data", "prev_hash", "hash")
            .iterator(chunk_size=BATCH)
        )

    def _timeline_lines(self) -> Iterator[str]:
        number = self.case.number
        for seq, kind, actor, at, data, prev_hash, stored in self._events():
            payload = event_payload(
                case_number=number, seq=seq, kind=kind, actor=actor, at=at, data=data
            )
            line = {**payload, "prev_hash": prev_hash, "hash": stored}
            if self.pseud.contains_personal(_dumps(payload)):
                # The chain covers the event's exact content, so personal data cannot be
                # replaced inside it: the event is withheld and only its place in the chain
                # (seq, prev_hash, hash) remains checkable.
                line = {
                    "seq": seq,
                    "kind": kind,
                    "actor": self.pseud.text(actor),
                    "at": payload["at"],
                    "case": number,
                    "prev_hash": prev_hash,
                    "hash": stored,
                    "redacted": True,
                }
            self.chain_head = stored
            yield _dumps(line) + "\n"

    def _account_rows(self) -> Iterator[list]:
        p = self.pseud
        links = (
            CaseAccount.objects.filter(case=self.case)
            .select_related("account")
            .prefetch_related("account__attributes")
            .order_by("pk")
        )
        for link in links.iterator(chunk_size=BATCH):
            account = link.account
            attributes = ";".join(
                f"{a.type}={p.attribute(a.type, a.value)}"
                for a in sorted(account.attributes.all(), key=lambda a: (a.type, a.value))
            )
            row = {
                "external_id": account.external_id,
                "name": p.name(account.name),
                "email": p.email(account.email),
                "organisation": p.text(account.organisation),
                "signup_at": _iso(account.signup_at),
                "country": account.country,
                "platform_status": account.platform_status,
                "case_role": link.role,
                "enforcement": link.enforcement,
                "added_at": _iso(link.added_at),
                "attributes": attributes,
            }
            self.accounts_total += 1
            if len(self.report_accounts) < 200:
                self.report_accounts.append(row)
            yield list(row.values())

    def _account_lines(self) -> Iterator[str]:
        header = [
            "external_id",
            "name",
            "email",
            "organisation",
            "signup_at",
            "country",
            "platform_status",
            "case_role",
            "enforcement",
            "added_at",
            "attributes",
        ]
        return _csv_lines(header, self._account_rows())

    def _signal_lines(self) -> Iterator[str]:
        p = self.pseud
        signals = (
            Signal.objects.filter(case=self.case)
            .select_related("detector")
            .prefetch_related("accounts")
            .order_by("observed_at", "pk")
        )
        for signal in signals.iterator(chunk_size=BATCH):
            record = {
                "detector": signal.detector.name,
                "external_id": signal.external_id,
                "kind": signal.kind,
                "severity": signal.severity,
                "confidence": signal.confidence,
                "observed_at": _iso(signal.observed_at),
                "received_at": _iso(signal.received_at),
                "summary": p.text(signal.summary),
                "accounts": sorted(a.external_id for a in signal.accounts.all()),
                "observables": p.value(signal.observables),
                "payload": p.value(signal.payload),
            }
            yield _dumps(record) + "\n"

    def _custody_lines(self) -> Iterator[str]:
        p = self.pseud
        header = [
            "evidence_id",
            "evidence_sha256",
            "action",
            "actor",
            "at",
            "ip",
            "user_agent",
            "hash_matched",
            "detail",
        ]
        events = (
            CustodyEvent.objects.filter(evidence__in=[e.pk for e in self.evidence])
            .select_related("evidence")
            .order_by("evidence_id", "at", "pk")
        )
        rows = (
            [
                e.evidence_id,
                e.evidence.sha256,
                e.action,
                p.staff(e.actor_label),
                _iso(e.at),
                p.ip(e.ip),
                p.user_agent(e.user_agent),
                "" if e.hash_matched is None else str(e.hash_matched).lower(),
                p.text(e.detail),
            ]
            for e in events.iterator(chunk_size=BATCH)
        )
        return _csv_lines(header, rows)

    def _add_checkpoint(self) -> None:
        """The newest signed checkpoint that anchors this timeline, with the case's inclusion
        proof (exports/checkpoints.py): it shows the chain existed, so, at that time, and
        cannot have been rolled back or rewritten since without the checkpoint disagreeing."""
        checkpoint, proof = checkpoint_covering(self.case.number, self.chain_seq)
        if checkpoint is None:
            return
        self.checkpoint_name = checkpoint.name
        self.bag.add_bytes(f"{CHECKPOINT_DIR}/checkpoint.json", checkpoint.body)
        self.bag.add_bytes(
            f"{CHECKPOINT_DIR}/checkpoint.sig", base64.b64encode(checkpoint.signature) + b"\n"
        )
        if checkpoint.timestamp:
            self.bag.add_bytes(f"{CHECKPOINT_DIR}/checkpoint.tsr", checkpoint.timestamp)
        record = {"checkpoint": checkpoint.name, **proof}
        self.bag.add_bytes(
            f"{CHECKPOINT_DIR}/inclusion.json", (_dumps(record) + "\n").encode("utf-8")
        )

    def _add_evidence(self, item: Evidence) -> None:
        name = evidence_bag_path(item)

        def chunks() -> Iterator[bytes]:
            with evidence_open(item) as handle:
                while chunk := handle.read(CHUNK):
                    yield chunk

        self.progress(0, item.original_name)
        digest = self.bag.add(
            name, chunks(), size=item.size, on_chunk=lambda n: self.progress(n, item.original_name)
        )
        if (digest.sha256, digest.sha512, digest.size) != (item.sha256, item.sha512, item.size):
            raise ExportIntegrityError(item, digest.sha256, digest.sha512, digest.size)

    def _state_history(self) -> list[dict]:
        events = CaseEvent.objects.filter(
            case_id=self.case.pk,
            seq__lte=self.chain_seq,
            kind__in=["case.created", "case.transition", "case.reopened"],
        ).order_by("seq")
        history = []
        for event in events.iterator(chunk_size=BATCH):
            created = event.kind == "case.created"
            history.append(
                {
                    "at": format_at(event.at)[:19].replace("T", " "),
                    "from": None if created else event.data.get("from"),
                    "to": "new" if created else event.data.get("to", ""),
                    "actor": self.pseud.text(event.actor_label),
                    "reason": self.pseud.text(str(event.data.get("reason", ""))),
                }
            )
        return history

    def _report(self) -> bytes:
        evidence = [self._evidence_record(e) for e in self.evidence]
        for record in evidence:
            record["collected_at"] = (record["collected_at"] or "")[:19].replace("T", " ")
        notes = []
        if self.export.metadata_only:
            notes.append("Metadata only: the evidence files are listed with their hashes only.")
        if self.export.pseudonymise:
            notes.append(
                "Pseudonymised: account emails and names are replaced by keyed hashes; the "
                "evidence files are left out and audit events that hold personal data are "
                "withheld (their place in the hash chain remains checkable)."
            )
        data = ReportInput(
            organisation=settings.QUARRY_ORGANIZATION,
            case=self._case_record(),
            export=self._export_record(),
            state_history=self._state_history(),
            accounts=self.report_accounts,
            accounts_total=self.accounts_total,
            evidence=evidence,
            chain_head=self.chain_head,
            events_total=self.chain_seq,
            key_fingerprint=self.fingerprint,
            notes=notes,
            custody=self._custody_by_item(),
        )
        return report_render(data)

    def _custody_by_item(self) -> dict[int, list[dict]]:
        p = self.pseud
        custody: dict[int, list[dict]] = {}
        events = CustodyEvent.objects.filter(evidence__in=[e.pk for e in self.evidence])
        for e in events.order_by("evidence_id", "at", "pk").iterator(chunk_size=BATCH):
            custody.setdefault(e.evidence_id, []).append(
                {
                    "at": format_at(e.at)[:19].replace("T", " "),
                    "action": e.action,
                    # The same pseudonyms as custody.csv: staff and their addresses too.
                    "actor": p.staff(e.actor_label),
                    "ip": p.ip(e.ip),
                    "hash_matched": e.hash_matched,
                    "detail": p.text(e.detail),
                }
            )
        return custody

    # -- tag files ----------------------------------------------------------------------------

    def _add_tag_files(self) -> None:
        self.bag.add_manifests()
        self.bag.add_bytes("bagit.txt", bagit_txt())
        options = [
            name
            for name, on in (
                ("metadata-only", self.export.metadata_only),
                ("pseudonymised", self.export.pseudonymise),
            )
            if on
        ]
        fields = [
            ("Source-Organization", settings.QUARRY_ORGANIZATION),
            ("External-Identifier", f"{self.case.number} export {self.export.pk}"),
            ("External-Description", f"Legal export of case {self.case.number}"),
            ("Bagging-Date", self.now.date().isoformat()),
            ("Payload-Oxum", self.bag.payload_oxum()),
            ("Bag-Software-Agent", SOFTWARE_AGENT),
            ("Quarry-Audit-Chain-Head", self.chain_head),
            ("Quarry-Audit-Events", str(self.chain_seq)),
            ("Quarry-Export-Key-Fingerprint", self.fingerprint),
            ("Quarry-Export-Options", ", ".join(options) or "full"),
            ("Quarry-Checkpoint", self.checkpoint_name or "none"),
        ]
        self.bag.add_bytes("bag-info.txt", bag_info_txt(fields))
        self.bag.add_bytes("verify.py", VERIFIER_SOURCE.read_bytes())
        self.bag.add_bytes(PUBLIC_KEY_FILE, keys.public_key_pem(self.key))
        signed = self.bag.add_tag_manifests()
        signature = base64.b64encode(self.key.sign(signed)) + b"\n"
        self.bag.add_bytes(SIGNATURE_FILE, signature, listed=False)


def bundle_write(*, export: Export, fileobj, progress: Progress) -> BundleResult:
    return BundleWriter(export, fileobj, progress).write()
