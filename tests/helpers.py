"""Put a case into a state for a test, satisfying every guard on the way there."""

from django.utils import timezone

from accounts.models import CaseAccount
from cases.models import Case, State
from evidence.services import evidence_add
from exports.models import Export, ExportStatus

from .factories import AccountFactory


def link_account(case: Case, user=None) -> CaseAccount:
    return CaseAccount.objects.create(case=case, account=AccountFactory(), added_by=user)


def add_evidence(case: Case, user, content: bytes = b"log line\n", name: str = "log.txt"):
    item, _ = evidence_add(case=case, user=user, chunks=[content], original_name=name)
    return item


def finished_export(case: Case, user) -> Export:
    return Export.objects.create(
        case=case,
        requested_by=user,
        status=ExportStatus.DONE,
        progress=100,
        sha256="0" * 64,
        finished_at=timezone.now(),
    )


def force_state(case: Case, state: str) -> Case:
    """Set a state directly (test set-up only), with what a closed case must carry."""
    fields = {"state": state, "resolution": "", "closing_summary": ""}
    if state == State.CLOSED:
        fields.update(resolution="false_positive", closing_summary="Set up by a test.")
    Case.objects.filter(pk=case.pk).update(**fields)
    case.refresh_from_db()
    return case
