from django.db import connection

from accounts.models import Account, AccountAttribute, ClusterMember
from tests.factories import AccountFactory


def account_with(*attributes: tuple[str, str], external_id: str | None = None) -> Account:
    kwargs = {"external_id": external_id} if external_id else {}
    account = AccountFactory(**kwargs)
    for type_, value in attributes:
        AccountAttribute.objects.create(account=account, type=type_, value=value)
    return account


def cluster_of(account: Account) -> int | None:
    row = ClusterMember.objects.filter(account=account).values_list("cluster_id", flat=True)
    return row.first()


def partition() -> set[frozenset[int]]:
    """The clustering as a set of account-id sets, ignoring cluster ids."""
    groups: dict[int, set[int]] = {}
    for account_id, cluster_id in ClusterMember.objects.values_list("account_id", "cluster_id"):
        groups.setdefault(cluster_id, set()).add(account_id)
    return {frozenset(g) for g in groups.values()}


def bulk_accounts(count: int, prefix: str) -> list[int]:
    """Many accounts in one statement (set-up for the large-list tests)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO accounts_account (external_id, name, email, organisation, country, "
            "platform_status, first_seen_at) SELECT %s || lpad(g::text, 6, '0'), '', '', '', '', "
            "'active', now() FROM generate_series(1, %s) g RETURNING id",
            [prefix, count],
        )
        return sorted(row[0] for row in cursor.fetchall())


def set_weight(type_: str, **fields) -> None:
    """Change one type's weight (update_or_create: a flushed database has no seeded rows)."""
    from accounts.models import DEFAULT_HUB_THRESHOLD, DEFAULT_STRENGTHS, AttributeWeight

    current = AttributeWeight.objects.filter(type=type_).first()
    values = {
        "strength": current.strength if current else DEFAULT_STRENGTHS[type_],
        "hub_threshold": current.hub_threshold if current else DEFAULT_HUB_THRESHOLD,
    }
    AttributeWeight.objects.update_or_create(type=type_, defaults={**values, **fields})
