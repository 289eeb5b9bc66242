"""A case opened by hand with the accounts it names, in one transaction: an external id that
matches no account refuses the whole request, so nothing is half-made."""

from django.db import transaction

from cases.intake import case_open
from cases.models import Case
from core.errors import DomainError

from .services import case_accounts_add_external_ids


@transaction.atomic
def case_open_with_accounts(*, user, account_external_ids: list[str], **fields) -> Case:
    case = case_open(user=user, **fields)
    wanted = [e.strip() for e in account_external_ids if e and e.strip()]
    if wanted:
        result = case_accounts_add_external_ids(case=case, user=user, external_ids=wanted)
        if result.unknown:
            raise DomainError(
                f"No account with external id {result.unknown[0]!r}"
                + (f" (and {len(result.unknown) - 1} more)." if len(result.unknown) > 1 else "."),
                field="accounts",
                status=400,
            )
    return case
