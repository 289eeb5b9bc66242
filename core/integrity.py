"""Re-hash every stored evidence file and re-verify every audit chain."""

from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection

from cases.audit import chain_verify
from cases.models import Case
from evidence.models import Evidence
from evidence.services import evidence_verify


@dataclass(frozen=True)
class IntegrityProblem:
    where: str
    what: str


def _orphans() -> Iterator[IntegrityProblem]:
    """Signals, their account links and accounts' attributes carry no foreign keys
    (detection.models.HOT_PATH_FK): check here that each still points at a row."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM detection_signalaccount l WHERE "
            "NOT EXISTS (SELECT 1 FROM detection_signal s WHERE s.id = l.signal_id) OR "
            "NOT EXISTS (SELECT 1 FROM accounts_account a WHERE a.id = l.account_id)"
        )
        (links,) = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM detection_signal s WHERE NOT EXISTS "
            "(SELECT 1 FROM detection_detector d WHERE d.id = s.detector_id)"
        )
        (signals,) = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM accounts_accountattribute x WHERE NOT EXISTS "
            "(SELECT 1 FROM accounts_account a WHERE a.id = x.account_id)"
        )
        (attributes,) = cursor.fetchone()
    if attributes:
        yield IntegrityProblem("accounts", f"{attributes} attribute(s) of a missing account")
    if links:
        yield IntegrityProblem("signals", f"{links} link(s) to a missing signal or account")
    if signals:
        yield IntegrityProblem("signals", f"{signals} signal(s) of a missing detector")


def integrity_sweep(*, actor: str = "integrity-sweep") -> Iterator[IntegrityProblem]:
    from exports.checkpoints import checkpoint_compare, checkpoint_newest

    yield from _orphans()
    # What no trigger stops: a superuser's rollback, rewrite or TRUNCATE, against the anchor.
    for finding in checkpoint_compare(checkpoint_newest()):
        yield IntegrityProblem(finding.where, f"{finding.kind}: {finding.what}")
    for case in Case.objects.order_by("id").iterator():
        broken = chain_verify(case)
        if broken:
            yield IntegrityProblem(
                case.number, f"audit chain broken at event {broken.seq}: {broken.reason}"
            )
    for item in Evidence.objects.select_related("case").order_by("id").iterator():
        try:
            matched = evidence_verify(evidence=item, actor=actor)
        except FileNotFoundError:
            yield IntegrityProblem(
                f"{item.case.number} evidence {item.pk}",
                f"{item.original_name}: stored file is missing",
            )
            continue
        if not matched:
            yield IntegrityProblem(
                f"{item.case.number} evidence {item.pk}",
                f"{item.original_name}: stored bytes no longer match SHA-256 {item.sha256}",
            )
