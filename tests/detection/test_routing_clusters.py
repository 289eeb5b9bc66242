"""Routing by the accounts app's persistent clusters (ClusterMember), kept up to date by routing."""

from accounts.models import CaseAccount, ClusterMember
from cases.models import Case
from detection.models import Signal

from .routing_helpers import ingest, item, route

CARD = ("payment_fingerprint", "pf-shared")


def _cluster(external_id: str) -> int:
    return ClusterMember.objects.get(account__external_id=external_id).cluster_id


def test_a_new_account_sharing_a_card_with_a_case_account_joins_that_case(prada):
    first = ingest(prada, item(1, [("acct-1", [CARD])]))
    route(first)
    case = Signal.objects.get(pk=first[0]).case
    second = ingest(prada, item(2, [("acct-new", [CARD])]))
    route(second)
    assert Signal.objects.get(pk=second[0]).case == case
    link = CaseAccount.objects.get(case=case, account__external_id="acct-new")
    assert link.role == "linked"


def test_routing_puts_a_new_account_into_the_existing_cluster(prada):
    route(ingest(prada, item(1, [("acct-1", [CARD]), ("acct-2", [CARD])])))
    before = _cluster("acct-1")
    route(ingest(prada, item(2, [("acct-new", [CARD])])))
    assert _cluster("acct-new") == before
    assert _cluster("acct-1") == _cluster("acct-2") == before


def test_routing_reclusters_a_known_account_that_brings_a_new_attribute(prada):
    route(ingest(prada, item(1, [("acct-1", [CARD])])))
    route(ingest(prada, item(2, [("acct-2", [("payment_fingerprint", "pf-own")])], severity="low")))
    assert _cluster("acct-2") != _cluster("acct-1")
    # acct-2 is known; this signal brings it a new attribute: the card of acct-1.
    third = ingest(prada, item(3, [("acct-2", [CARD])]))
    route(third)
    assert _cluster("acct-2") == _cluster("acct-1")
    assert Case.objects.count() == 1
    assert Signal.objects.get(pk=third[0]).case == Case.objects.get()


def test_a_weak_signal_waiting_in_a_cluster_goes_with_the_case_a_strong_one_opens(prada):
    weak = ingest(prada, item(1, [("acct-1", [CARD])], severity="low", confidence=50))
    route(weak)
    route(ingest(prada, item(2, [("acct-2", [CARD])])))
    assert Signal.objects.get(pk=weak[0]).case == Case.objects.get()
