"""Reads about accounts and clusters. Anything that shows cases goes through
cases.selectors.cases_visible_to, so a hidden case never leaks through an account page."""

from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, QuerySet

from cases.models import OPEN_STATES, Case
from cases.selectors import cases_visible_to

from .models import (
    Account,
    AttributeType,
    CaseAccount,
    Cluster,
    LinkStrength,
    effective_weights,
)

FINGERPRINTS = {AttributeType.PAYMENT_FINGERPRINT, AttributeType.DEVICE_FINGERPRINT}


def type_noun(type_: str) -> str:
    """ "Payment fingerprint" → "payment fingerprint", but "IP address" and "ASN" stay."""
    label = AttributeType(type_).label
    return label if len(label) > 1 and label[1].isupper() else label[0].lower() + label[1:]


def short_value(type_: str, value: str) -> str:
    """Fingerprints are long hashes that people recognise by their tail."""
    return "…" + value[-4:] if type_ in FINGERPRINTS and len(value) > 8 else value


@dataclass
class AttributeLink:
    type: str
    value: str
    strength: str
    holders: int  # accounts holding the value, this one included
    hub: bool
    here: int = 0  # holders within the cluster being shown

    @property
    def type_label(self) -> str:
        return AttributeType(self.type).label

    @property
    def others(self) -> int:
        return self.holders - 1

    @property
    def explanation(self) -> str:
        label = type_noun(self.type)
        shown = short_value(self.type, self.value)
        if self.others == 0:
            return f"{label} {shown} is held by no other account"
        noun = "account" if self.others == 1 else "accounts"
        # Both counts: the graph's hub label counts every holder, this one included.
        text = f"shares {label} {shown} with {self.others:,} other {noun} ({self.holders:,} in all)"
        if self.hub:
            return text + " — a hub: shown, never used to cluster"
        if self.strength == LinkStrength.WEAK:
            return text + " — a weak link, not used to cluster"
        return text


def account_attribute_links(account: Account) -> list[AttributeLink]:
    """Each attribute of the account with how many accounts share it and what that means."""
    w = effective_weights()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.type, a.value, (SELECT count(*) FROM accounts_accountattribute b "
            "WHERE b.type = a.type AND b.value = a.value) FROM accounts_accountattribute a "
            "WHERE a.account_id = %s ORDER BY a.type, a.value",
            [account.pk],
        )
        rows = cursor.fetchall()
    links = []
    for type_, value, holders in rows:
        weight = w.get(type_)
        strength = weight.strength if weight else LinkStrength.WEAK
        threshold = weight.hub_threshold if weight else 500
        links.append(AttributeLink(type_, value, strength, holders, holders > threshold))
    order = {LinkStrength.STRONG: 0, LinkStrength.MEDIUM: 1, LinkStrength.WEAK: 2}
    return sorted(links, key=lambda link: (link.hub, order[link.strength], -link.holders))


@dataclass
class LinkedAccount:
    account_id: int
    external_id: str
    platform_status: str
    reasons: list[str]
    strongest: str


def account_linked_accounts(
    account: Account, attributes: list[AttributeLink], *, limit: int = 100
) -> list[LinkedAccount]:
    """Accounts sharing a non-hub value with this one, strongest links first, each with why.
    `attributes`: the account's account_attribute_links, which its page shows too."""
    w = effective_weights()
    links = [link for link in attributes if not link.hub and link.others]
    if not links:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT b.account_id, x.external_id, x.platform_status, "
            "array_agg(b.type ORDER BY b.type), array_agg(b.value ORDER BY b.type) "
            "FROM accounts_accountattribute b JOIN accounts_account x ON x.id = b.account_id "
            "WHERE (b.type, b.value) IN (SELECT * FROM unnest(%s::text[], %s::text[])) "
            "AND b.account_id <> %s GROUP BY b.account_id, x.external_id, x.platform_status",
            [[link.type for link in links], [link.value for link in links], account.pk],
        )
        rows = cursor.fetchall()
    rank = {LinkStrength.STRONG: 0, LinkStrength.MEDIUM: 1, LinkStrength.WEAK: 2}
    result = []
    for pk, external_id, status, types, values in rows:
        strengths = [w[t].strength if t in w else LinkStrength.WEAK for t in types]
        strongest = min(strengths, key=lambda s: rank[s])
        reasons = [
            f"{type_noun(t)} {short_value(t, v)}" for t, v in zip(types, values, strict=True)
        ]
        result.append(LinkedAccount(pk, external_id, status, reasons, strongest))
    result.sort(key=lambda r: (rank[r.strongest], -len(r.reasons), r.external_id))
    return result[:limit]


def account_cases_for_user(account: Account, user) -> QuerySet[CaseAccount]:
    return (
        CaseAccount.objects.filter(account=account, case__in=cases_visible_to(user))
        .select_related("case")
        .order_by("-case__created_at")
    )


def account_cluster(account: Account) -> Cluster | None:
    membership = getattr(account, "cluster_membership", None)
    return membership.cluster if membership else None


def cluster_members(cluster: Cluster) -> QuerySet[Account]:
    return Account.objects.filter(cluster_membership__cluster=cluster).order_by("external_id")


def cluster_shared_attributes(cluster: Cluster, *, limit: int = 100) -> list[AttributeLink]:
    """Values held by two or more members, with how many members hold them and how many
    accounts hold them in all."""
    w = effective_weights()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.type, a.value, count(*) AS here, (SELECT count(*) FROM "
            "accounts_accountattribute b WHERE b.type = a.type AND b.value = a.value) "
            "FROM accounts_accountattribute a JOIN accounts_clustermember m "
            "ON m.account_id = a.account_id WHERE m.cluster_id = %s "
            "GROUP BY a.type, a.value HAVING count(*) > 1 ORDER BY here DESC LIMIT %s",
            [cluster.pk, limit],
        )
        rows = cursor.fetchall()
    result = []
    for type_, value, here, holders in rows:
        weight = w.get(type_)
        result.append(
            AttributeLink(
                type_,
                value,
                weight.strength if weight else LinkStrength.WEAK,
                holders,
                holders > (weight.hub_threshold if weight else 500),
                here,
            )
        )
    return result


def cluster_open_cases(cluster: Cluster, user) -> QuerySet[Case]:
    return (
        cases_visible_to(user)
        .filter(
            state__in=OPEN_STATES,
            case_accounts__account__cluster_membership__cluster=cluster,
        )
        .annotate(members_linked=Count("case_accounts"))
        .order_by("-created_at")
    )


@dataclass
class SimilarCase:
    case: Case
    shared_accounts: int
    shared_clusters: int


# The other cases holding one of this case's accounts, or an account of one of its clusters:
# two index paths joined by UNION (an OR across the join would read every case's links).
_SIMILAR_CASES = """
WITH mine AS (SELECT account_id FROM accounts_caseaccount WHERE case_id = %(case)s),
my_clusters AS (
    SELECT DISTINCT m.cluster_id FROM accounts_clustermember m JOIN mine USING (account_id)
),
related AS (
    SELECT ca.case_id, ca.account_id FROM accounts_caseaccount ca JOIN mine USING (account_id)
    UNION
    SELECT ca.case_id, ca.account_id FROM my_clusters
    JOIN accounts_clustermember m USING (cluster_id)
    JOIN accounts_caseaccount ca ON ca.account_id = m.account_id
)
SELECT r.case_id,
    count(DISTINCT r.account_id) FILTER (WHERE r.account_id IN (SELECT account_id FROM mine)),
    count(DISTINCT m.cluster_id) FILTER (WHERE m.cluster_id IN (SELECT cluster_id FROM my_clusters))
FROM related r LEFT JOIN accounts_clustermember m ON m.account_id = r.account_id
WHERE r.case_id <> %(case)s
GROUP BY r.case_id
"""


def similar_cases(case: Case, user, *, limit: int = 20) -> list[SimilarCase]:
    """Cases sharing accounts or clusters with this one, most shared first."""
    with connection.cursor() as cursor:
        cursor.execute(
            _SIMILAR_CASES,
            {"case": case.pk},
        )
        counts = {row[0]: (row[1], row[2]) for row in cursor.fetchall()}
    visible = cases_visible_to(user).filter(pk__in=counts.keys())
    found = [SimilarCase(c, *counts[c.pk]) for c in visible]
    found.sort(key=lambda s: (-s.shared_accounts, -s.shared_clusters, s.case.number))
    return found[:limit]
