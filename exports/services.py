"""Exports. Requesting an export, its outcome and every download are written to
the case's audit trail and to the custody log of each evidence file the bundle includes.

The build itself (`export_run`) holds no transaction while it streams: it claims the export
with a conditional UPDATE, writes the zip to a partial file, renames it into place, and only
then marks the export done, so no half-written bundle is ever offered for download."""

import logging
import os
import time
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cases.audit import actor_label, event_append
from cases.models import Case
from cases.services import case_lock_for_change
from core.enqueue import task_enqueue_on_commit
from core.errors import DomainError, PermissionDenied
from core.jobs import job_claim
from core.locks import EXPORT_BUILD
from core.roles import EXPORT_ROLES, user_roles
from evidence.models import CustodyAction, Evidence
from evidence.selectors import evidence_of_case
from evidence.services import custody_record

from .bag import HashingOutput
from .bundle import (
    METADATA_WEIGHT,
    ExportIntegrityError,
    bundle_root,
    bundle_write,
    included_evidence_ids,
)
from .models import Export, ExportStatus

logger = logging.getLogger(__name__)

EXPORT_REFUSAL = "Exports need the legal or lead role."
PROGRESS_INTERVAL = 0.5  # seconds between progress writes
# The build task (exports/tasks.py), named: the task module imports this one.
EXPORT_BUILD_TASK = "exports.tasks.export_build"


def export_dir() -> Path:
    return Path(settings.QUARRY_EXPORT_DIR)


def partial_dir() -> Path:
    return export_dir() / ".partial"


def export_path(export: Export) -> Path:
    return export_dir() / export.file_name


def bundle_available(export: Export) -> bool:
    return export.status == ExportStatus.DONE and export_path(export).is_file()


def export_role_require(user) -> None:
    if user is not None and not (user_roles(user) & EXPORT_ROLES):
        raise PermissionDenied(EXPORT_REFUSAL, field="export")


def _custody_all(export: Export, *, detail: str, actor, ids: list[int] | None = None) -> None:
    for item in Evidence.objects.filter(
        pk__in=ids if ids is not None else included_evidence_ids(export)
    ):
        custody_record(evidence=item, action=CustodyAction.EXPORTED, actor=actor, detail=detail)


@transaction.atomic
def export_request(
    *,
    case: Case,
    user,
    metadata_only: bool = False,
    pseudonymise: bool = False,
    operator: str = "",
    enqueue: bool = True,
) -> Export:
    """Queue an export of the case. `user` is None only for an operator at the shell, named by
    `operator`. The evidence set and the audit trail's length are fixed here, so that a build
    run again after a crash produces the same bundle."""
    label = actor_label(user) if user is not None else operator or "operator"
    # A closed case is exported too: referral, and a court's later request, come after.
    locked = case_lock_for_change(
        case=case,
        user=user,
        roles=EXPORT_ROLES,
        refusal=EXPORT_REFUSAL,
        field="export",
        closed=None,
    )
    evidence_ids = list(evidence_of_case(locked).order_by("pk").values_list("pk", flat=True))
    export = Export.objects.create(
        case=locked,
        requested_by=user,
        requested_by_label=label,
        options={
            "metadata_only": bool(metadata_only),
            "pseudonymise": bool(pseudonymise),
            "evidence_ids": evidence_ids,
        },
    )
    event = event_append(
        case=locked,
        kind="export.started",
        actor=user if user is not None else label,
        data={
            "export_id": export.pk,
            "metadata_only": bool(metadata_only),
            "pseudonymise": bool(pseudonymise),
            "evidence_ids": evidence_ids,
        },
    )
    export.options["chain_seq"] = event.seq
    export.save(update_fields=["options"])
    _custody_all(export, detail=f"export {export.pk} started", actor=label)
    if enqueue:
        task_enqueue_on_commit(EXPORT_BUILD_TASK, export.pk)
    return export


class _ProgressReporter:
    def __init__(self, export: Export, total: int):
        self.export_id = export.pk
        self.total = max(total, 1)
        self.done = 0
        self.item = ""
        self.last_write = 0.0

    def __call__(self, advanced: int, item: str) -> None:
        self.done += advanced
        changed = item != self.item
        self.item = item
        now = time.monotonic()
        if changed or now - self.last_write >= PROGRESS_INTERVAL:
            self.last_write = now
            percent = min(99, self.done * 100 // self.total)
            Export.objects.filter(pk=self.export_id, status=ExportStatus.RUNNING).update(
                progress=percent, current_item=item[:500]
            )


def export_run(*, export_id: int) -> Export | None:
    """Build the bundle of a queued export (or of a running one whose builder died). Returns
    None when there is nothing to do: another worker is building it, or it is finished."""
    # The build lock is held for the whole build: PostgreSQL drops it when the builder's
    # connection dies, so a build killed halfway leaves the lock free and the export `running`,
    # and the next delivery of the task (or the recovery sweep's re-publish) builds it again.
    with job_claim(
        Export, export_id, lock=EXPORT_BUILD, progress=0, current_item="", error=""
    ) as claimed:
        if not claimed:
            return None
        export = Export.objects.select_related("case").get(pk=export_id)
        return _build(export)


def _build(export: Export) -> Export:
    name = f"{bundle_root(export)}.zip"
    partial_dir().mkdir(parents=True, exist_ok=True)
    partial = partial_dir() / f"{name}.part"
    final = export_dir() / name
    sizes = Evidence.objects.filter(pk__in=included_evidence_ids(export)).values_list(
        "size", flat=True
    )
    reporter = _ProgressReporter(export, sum(sizes) + METADATA_WEIGHT)
    try:
        # Truncates whatever a killed earlier attempt left behind. A bundle holds the whole
        # case (restricted ones too): readable by Quarry's own user only, whatever the umask.
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)
        with open(fd, "wb") as handle:
            output = HashingOutput(handle)
            try:
                result = bundle_write(export=export, fileobj=output, progress=reporter)
                bundle_sha256 = output.sha256()
            finally:
                output.close()
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, final)
    except ExportIntegrityError as exc:
        partial.unlink(missing_ok=True)
        return _export_fail(export, str(exc), mismatch=exc)
    except Exception as exc:
        partial.unlink(missing_ok=True)
        logger.exception("export %s failed", export.pk)
        return _export_fail(export, f"The export failed: {exc}")
    return _export_finish(
        export, file_name=name, size=output.size, sha256=bundle_sha256, result=result
    )


@transaction.atomic
def _export_finish(export: Export, *, file_name: str, size: int, sha256: str, result) -> Export:
    Export.objects.filter(pk=export.pk).update(
        status=ExportStatus.DONE,
        progress=100,
        current_item="",
        file_name=file_name,
        size=size,
        sha256=sha256,
        chain_head=result.chain_head,
        key_fingerprint=result.key_fingerprint,
        payload_oxum=result.payload_oxum,
        finished_at=timezone.now(),
    )
    export.refresh_from_db()
    event_append(
        case=export.case,
        kind="export.finished",
        actor="system",
        data={
            "export_id": export.pk,
            "file_name": file_name,
            "size": size,
            "sha256": sha256,
            "payload_oxum": result.payload_oxum,
            "chain_head": result.chain_head,
            "key_fingerprint": result.key_fingerprint,
            "evidence_ids": result.included_evidence,
        },
    )
    for item in Evidence.objects.filter(pk__in=result.included_evidence):
        custody_record(
            evidence=item,
            action=CustodyAction.EXPORTED,
            actor="system",
            hash_matched=True,
            detail=f"export {export.pk} finished: in bundle {file_name} (SHA-256 {sha256})",
        )
    return export


@transaction.atomic
def _export_fail(
    export: Export, message: str, *, mismatch: ExportIntegrityError | None = None
) -> Export:
    Export.objects.filter(pk=export.pk).update(
        status=ExportStatus.FAILED, error=message, current_item="", finished_at=timezone.now()
    )
    export.refresh_from_db()
    data = {"export_id": export.pk, "error": message}
    if mismatch is not None:
        data.update(evidence_id=mismatch.evidence.pk, found_sha256=mismatch.sha256)
        custody_record(
            evidence=mismatch.evidence,
            action=CustodyAction.EXPORTED,
            actor="system",
            hash_matched=False,
            detail=f"export {export.pk} aborted: stored bytes hash to SHA-256 {mismatch.sha256}",
        )
    event_append(case=export.case, kind="export.failed", actor="system", data=data)
    others = [
        i for i in included_evidence_ids(export) if mismatch is None or i != mismatch.evidence.pk
    ]
    _custody_all(export, detail=f"export {export.pk} failed", actor="system", ids=others)
    return export


@transaction.atomic
def export_record_download(*, export: Export, user, ip: str | None, user_agent: str) -> None:
    export_role_require(user)
    if export.status != ExportStatus.DONE:
        raise DomainError("This export has no bundle to download.", field="export")
    event_append(
        case=export.case,
        kind="export.downloaded",
        actor=user,
        data={"export_id": export.pk, "sha256": export.sha256, "ip": ip},
    )
    for item in Evidence.objects.filter(pk__in=included_evidence_ids(export)):
        custody_record(
            evidence=item,
            action=CustodyAction.EXPORTED,
            actor=user,
            ip=ip,
            user_agent=user_agent,
            detail=f"export {export.pk} downloaded",
        )
