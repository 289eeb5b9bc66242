"""What becomes of signals when a person changes a case: a merge moves the merged case's
signals to the survivor (cases/merge.py); accepting held signals of a frozen case attaches them
and links their accounts (cases/freeze.py). Both run inside the case service's transaction."""

from django.db import connection
from django.dispatch import receiver

from accounts.models import CaseAccountRole
from cases.freeze import pending_signals_accepted
from cases.merge import case_merging


@receiver(case_merging, dispatch_uid="detection.case_merge")
def case_signals_move(sender, *, merged, survivor, **kwargs) -> dict:
    # A campaign case holds up to a million signals: the event records how many moved, not
    # each id (the signals themselves now name the survivor).
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE detection_signal SET case_id = %s WHERE case_id = %s", [survivor.pk, merged.pk]
        )
        return {"signals": cursor.rowcount}


@receiver(pending_signals_accepted, dispatch_uid="detection.pending_accept")
def pending_signals_attach(sender, *, case, user, signal_ids: list[int], **kwargs) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE detection_signal SET case_id = %s, routed_at = COALESCE(routed_at, now()) "
            "WHERE id = ANY(%s) AND case_id IS NULL RETURNING external_id",
            [case.pk, signal_ids],
        )
        attached = sorted(row[0] for row in cursor.fetchall())
        cursor.execute(
            "WITH added AS ("
            " INSERT INTO accounts_caseaccount "
            " (case_id, account_id, role, enforcement, added_by_id, added_at) "
            " SELECT DISTINCT %s, sa.account_id, %s, 'none', %s, now() "
            " FROM detection_signalaccount sa WHERE sa.signal_id = ANY(%s) "
            " ON CONFLICT (case_id, account_id) DO NOTHING RETURNING account_id) "
            "SELECT a.external_id FROM added JOIN accounts_account a ON a.id = added.account_id "
            "ORDER BY a.external_id",
            [case.pk, CaseAccountRole.LINKED, user.pk, signal_ids],
        )
        linked = [row[0] for row in cursor.fetchall()]
    return {"signals": attached, "accounts_linked": linked}
