"""A merged case's account links move to the surviving case (cases/merge.py). A link whose
account the survivor already has stays where it is, on the closed duplicate, as the record of
what that case held."""

from django.db import connection
from django.dispatch import receiver

from cases.merge import case_merging


@receiver(case_merging, dispatch_uid="accounts.case_merge")
def case_accounts_move(sender, *, merged, survivor, **kwargs) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH moved AS ("
            " UPDATE accounts_caseaccount SET case_id = %s WHERE case_id = %s AND account_id "
            " NOT IN (SELECT account_id FROM accounts_caseaccount WHERE case_id = %s) "
            " RETURNING account_id) "
            "SELECT a.external_id FROM moved JOIN accounts_account a ON a.id = moved.account_id "
            "ORDER BY a.external_id",
            [survivor.pk, merged.pk, survivor.pk],
        )
        moved = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT count(*) FROM accounts_caseaccount WHERE case_id = %s", [merged.pk])
        (stayed,) = cursor.fetchone()
    return {"accounts": moved, "accounts_already_linked": stayed}
