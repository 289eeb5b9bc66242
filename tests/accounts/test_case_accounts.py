import pytest
from django.urls import reverse

from accounts.clustering import cluster_recompute_all
from accounts.models import CaseAccount, ClusterMember
from accounts.services import (
    case_accounts_add_cluster,
    case_accounts_add_external_ids,
    case_accounts_enforcement_set,
    parse_external_ids,
)
from cases.models import State
from core.errors import DomainError, PermissionDenied
from tests.factories import AccountFactory, make_case
from tests.helpers import force_state

from .conftest import account_with, bulk_accounts


def test_a_pasted_list_links_known_ids_and_reports_unknown_ones(case, alice):
    known = [AccountFactory(external_id=f"acct_k{i}") for i in range(3)]
    result = case_accounts_add_external_ids(
        case=case,
        user=alice,
        external_ids=["acct_k0", "nope_1", "acct_k1", "acct_k2", "nope_2"],
        role="payer",
    )
    assert result.unknown == ["nope_1", "nope_2"]
    assert sorted(result.added) == [a.external_id for a in known]
    assert set(CaseAccount.objects.filter(case=case).values_list("role", flat=True)) == {"payer"}


def test_linking_accounts_writes_one_audit_event_naming_them(case, alice):
    AccountFactory(external_id="acct_a")
    case_accounts_add_external_ids(case=case, user=alice, external_ids=["acct_a", "ghost"])
    event = case.events.get(kind="accounts.added")
    assert event.data["external_ids"] == ["acct_a"]
    assert event.data["unknown"] == 1 and event.actor == alice


def test_pasting_already_linked_ids_counts_them_without_a_second_event(case, alice):
    AccountFactory(external_id="acct_a")
    case_accounts_add_external_ids(case=case, user=alice, external_ids=["acct_a"])
    again = case_accounts_add_external_ids(case=case, user=alice, external_ids=["acct_a"])
    assert again.added == [] and again.already == 1
    assert case.events.filter(kind="accounts.added").count() == 1


def test_a_list_of_50000_ids_links_in_one_go(case, alice):
    bulk_accounts(49_990, "bulk_")
    pasted = "\n".join(f"bulk_{i:06d}" for i in range(1, 49_991))
    pasted += "\n" + "\n".join(f"missing_{i}" for i in range(10))
    result = case_accounts_add_external_ids(
        case=case, user=alice, external_ids=parse_external_ids(pasted)
    )
    assert len(result.added) == 49_990
    assert len(result.unknown) == 10
    assert CaseAccount.objects.filter(case=case).count() == 49_990


def test_parse_external_ids_accepts_lines_commas_and_spaces_without_duplicates():
    assert parse_external_ids("a, b;c\n d\ta\r\n") == ["a", "b", "c", "d"]


def test_adding_a_cluster_links_all_its_members(case, alice):
    members = [account_with(("payment_fingerprint", "pf-c")) for _ in range(4)]
    cluster_recompute_all()
    cluster = ClusterMember.objects.get(account=members[0]).cluster
    result = case_accounts_add_cluster(case=case, user=alice, cluster=cluster, role="linked")
    assert len(result.added) == 4
    assert case.events.get(kind="accounts.added").data["cluster"] == cluster.label


def test_enforcement_moves_forward_in_bulk_with_who_and_when(case, alice):
    accounts = [AccountFactory() for _ in range(3)]
    for a in accounts:
        CaseAccount.objects.create(case=case, account=a)
    changed = case_accounts_enforcement_set(
        case=case, user=alice, account_ids=[a.pk for a in accounts], status="requested"
    )
    assert changed == 3
    link = CaseAccount.objects.get(case=case, account=accounts[0])
    assert link.enforcement == "requested"
    assert link.enforcement_updated_by == alice and link.enforcement_updated_at is not None
    assert case.events.get(kind="accounts.enforcement").data["count"] == 3


def test_enforcement_never_moves_backwards(case, alice):
    account = AccountFactory()
    CaseAccount.objects.create(case=case, account=account, enforcement="banned")
    changed = case_accounts_enforcement_set(
        case=case, user=alice, account_ids=[account.pk], status="suspended"
    )
    assert changed == 0
    assert CaseAccount.objects.get(case=case, account=account).enforcement == "banned"


def test_a_closed_case_refuses_new_accounts(case, alice):
    force_state(case, State.CLOSED)
    AccountFactory(external_id="acct_x")
    with pytest.raises(DomainError):
        case_accounts_add_external_ids(case=case, user=alice, external_ids=["acct_x"])


def test_legal_cannot_link_accounts(case, larry):
    AccountFactory(external_id="acct_x")
    with pytest.raises(PermissionDenied):
        case_accounts_add_external_ids(case=case, user=larry, external_ids=["acct_x"])


def test_the_paste_form_reports_unknown_ids_back(client, alice, case):
    AccountFactory(external_id="acct_known")
    client.force_login(alice)
    response = client.post(
        reverse("accounts:case_accounts_add", args=[case.number]),
        {"external_ids": "acct_known\nacct_ghost", "role": "linked"},
        follow=True,
    )
    page = response.content.decode()
    assert "1 ids match no account: acct_ghost" in page
    assert CaseAccount.objects.filter(case=case).count() == 1


def test_the_api_returns_unknown_ids(client, alice, case):
    AccountFactory(external_id="acct_known")
    client.force_login(alice)
    response = client.post(
        f"/api/v1/cases/{case.number}/accounts",
        {"external_ids": ["acct_known", "acct_ghost"], "role": "payer"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json() == {
        "added": 1,
        "already_linked": 0,
        "unknown_external_ids": ["acct_ghost"],
    }


def test_a_restricted_case_accounts_page_is_a_404_for_an_outsider(client, oscar, restricted_case):
    client.force_login(oscar)
    url = reverse("accounts:case_accounts", args=[restricted_case.number])
    assert client.get(url).status_code == 404
    assert client.get(f"/api/v1/cases/{restricted_case.number}/graph").status_code == 404


def test_similar_cases_are_those_sharing_accounts_or_clusters(client, alice, case):
    from accounts.selectors import similar_cases

    a, b = (account_with(("payment_fingerprint", "pf-sim")) for _ in range(2))
    unrelated = account_with(("payment_fingerprint", "pf-other"))
    cluster_recompute_all()
    by_account = make_case(created_by=alice, title="Same account")
    by_cluster = make_case(created_by=alice, title="Same cluster")
    other = make_case(created_by=alice, title="Unrelated")
    CaseAccount.objects.create(case=case, account=a)
    CaseAccount.objects.create(case=by_account, account=a)
    CaseAccount.objects.create(case=by_cluster, account=b)
    CaseAccount.objects.create(case=other, account=unrelated)
    found = {
        s.case.number: (s.shared_accounts, s.shared_clusters) for s in similar_cases(case, alice)
    }
    assert found == {by_account.number: (1, 1), by_cluster.number: (0, 1)}


def test_searching_lists_matching_accounts_to_link(client, alice, case):
    AccountFactory(external_id="acct_findme")
    client.force_login(alice)
    url = reverse("accounts:case_accounts", args=[case.number])
    page = client.get(url, {"find": "findme"}).content.decode()
    assert "acct_findme" in page


def test_the_api_moves_enforcement_forward(client, alice, case):
    account = AccountFactory()
    CaseAccount.objects.create(case=case, account=account)
    client.force_login(alice)
    response = client.post(
        f"/api/v1/cases/{case.number}/accounts/enforcement",
        {"account_ids": [account.pk], "status": "suspended", "note": "ToS 4.2"},
        content_type="application/json",
    )
    assert response.json() == {"changed": 1}
    assert CaseAccount.objects.get(case=case, account=account).enforcement == "suspended"
