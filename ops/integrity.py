"""Re-hash every stored evidence file and re-verify every audit chain."""

from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection

from cases.audit import chain_verify
from cases.models import Case
from evidence.models import Evidence
from evidence.services import evidence_verify
from exports.checkpoints import checkpoint_compare, checkpoint_newest


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


# Each signal's links against the accounts it named: a link to an account it did not name (an
# id reused after a lost commit, say) or a named account with no link is a disagreement. Sets
# are compared by containment both ways, so order and collation do not matter; a link to a
# missing account adds a NULL, which is contained in nothing.
_LINKS_DISAGREEING = """
SELECT d.name, s.external_id, s.account_external_ids, COALESCE(l.linked, '{}')
FROM detection_signal s
JOIN detection_detector d ON d.id = s.detector_id
LEFT JOIN LATERAL (
    SELECT array_agg(a.external_id::text) AS linked
    FROM detection_signalaccount sa LEFT JOIN accounts_account a ON a.id = sa.account_id
    WHERE sa.signal_id = s.id
) l ON true
WHERE s.account_external_ids IS NOT NULL
  AND NOT (COALESCE(l.linked, '{}') @> s.account_external_ids
           AND s.account_external_ids @> COALESCE(l.linked, '{}'))
ORDER BY s.id
"""

LINK_PROBLEMS_SHOWN = 1000


def _links_disagreeing() -> Iterator[IntegrityProblem]:
    with connection.cursor() as cursor:
        cursor.execute(_LINKS_DISAGREEING)
        rows = cursor.fetchall()
    for detector, external_id, named, linked in rows[:LINK_PROBLEMS_SHOWN]:
        linked_names = sorted(a if a is not None else "<missing account>" for a in linked)
        wrong = [a for a in linked_names if a not in named]
        absent = [a for a in named if a not in linked_names]
        yield IntegrityProblem(
            f"signal {detector}:{external_id}",
            f"linked to {', '.join(wrong) or 'nothing extra'} it does not name; "
            f"not linked to {', '.join(absent) or 'nothing missing'} it names",
        )
    if len(rows) > LINK_PROBLEMS_SHOWN:
        yield IntegrityProblem(
            "signals", f"{len(rows) - LINK_PROBLEMS_SHOWN} more signal(s) with wrong links"
        )


def _set_aside() -> Iterator[IntegrityProblem]:
    """Signals routing could not route (routing.py sets them aside with the reason)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT d.name, s.external_id, s.routing_error FROM detection_signal s "
            "JOIN detection_detector d ON d.id = s.detector_id "
            "WHERE s.routing_error <> '' ORDER BY s.id"
        )
        for detector, external_id, reason in cursor.fetchall():
            yield IntegrityProblem(
                f"signal {detector}:{external_id}", f"set aside by routing: {reason}"
            )


def integrity_sweep(*, actor: str = "integrity-sweep") -> Iterator[IntegrityProblem]:
    yield from _orphans()
    yield from _links_disagreeing()
    yield from _set_aside()
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
