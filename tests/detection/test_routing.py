"""Routing strong and weak signals into cases."""

from accounts.models import AttributeWeight, CaseAccount
from cases.audit import chain_verify
from cases.models import Case
from detection.models import RoutingSettings, Signal
from tests.helpers import force_state

from .routing_helpers import ingest, item, route

CARD = ("payment_fingerprint", "pf-shared")


def test_a_strong_signal_opens_a_case_linking_its_accounts(prada):
    ids = ingest(prada, item(1, [("acct-1", [CARD]), ("acct-2", [CARD])]))
    route(ids)
    signal = Signal.objects.get(pk=ids[0])
    assert signal.case is not None and signal.routed_at is not None
    linked = set(
        CaseAccount.objects.filter(case=signal.case).values_list("account__external_id", flat=True)
    )
    assert linked == {"acct-1", "acct-2"}


def test_every_attach_is_an_event_on_the_case_audit_trail(prada):
    ids = ingest(prada, item(1, [("acct-1", [CARD])]))
    route(ids)
    case = Signal.objects.get(pk=ids[0]).case
    event = case.events.get(kind="signals.attached")
    assert event.data["signals"] == ["r-1"] and event.data["accounts_linked"] == ["acct-1"]
    assert chain_verify(case) is None


def test_a_strong_signal_joins_the_open_case_of_its_cluster(prada):
    first = ingest(prada, item(1, [("acct-1", [CARD])]))
    route(first)
    # acct-9 was never seen in a case, but shares the card with acct-1.
    second = ingest(prada, item(2, [("acct-9", [CARD])]))
    route(second)
    assert Case.objects.count() == 1
    assert Signal.objects.get(pk=second[0]).case == Signal.objects.get(pk=first[0]).case


def test_a_signal_of_another_cluster_opens_its_own_case(prada):
    route(ingest(prada, item(1, [("acct-1", [CARD])])))
    route(ingest(prada, item(2, [("acct-7", [("payment_fingerprint", "pf-other")])])))
    assert Case.objects.count() == 2


def test_a_closed_case_is_not_joined(prada):
    first = ingest(prada, item(1, [("acct-1", [CARD])]))
    route(first)
    force_state(Signal.objects.get(pk=first[0]).case, "closed")
    route(ingest(prada, item(2, [("acct-1", [CARD])])))
    assert Case.objects.count() == 2


def test_a_hub_value_does_not_join_clusters(prada):
    # The hub threshold is the accounts app's, per attribute type.
    AttributeWeight.objects.update_or_create(
        type="ip", defaults={"strength": "medium", "hub_threshold": 3}
    )
    exit_ip = ("ip", "203.0.113.1")
    ingest(
        prada, *[item(10 + n, [(f"proxy-user-{n}", [exit_ip])], severity="low") for n in range(4)]
    )
    route(ingest(prada, item(20, [("proxy-user-0", [exit_ip])])))
    route(ingest(prada, item(21, [("proxy-user-1", [exit_ip])])))
    assert Case.objects.count() == 2


def test_a_weak_signal_alone_opens_no_case(prada):
    ids = ingest(prada, item(1, [("acct-1", [CARD])], severity="low", confidence=50))
    route(ids)
    signal = Signal.objects.get(pk=ids[0])
    assert signal.case is None and signal.routed_at is not None
    assert not Case.objects.exists()


def test_weak_signals_of_one_cluster_open_a_case_when_their_score_crosses_the_threshold(prada):
    RoutingSettings.objects.update_or_create(id=1, defaults={"weak_case_score": 3.0})
    # medium (weight 2) at confidence 60 scores 1.2: two wait, the third crosses 3.0.
    for n, account in enumerate(["acct-1", "acct-2"]):
        route(ingest(prada, item(n, [(account, [CARD])], severity="medium", confidence=60)))
    assert not Case.objects.exists()
    route(ingest(prada, item(3, [("acct-3", [CARD])], severity="medium", confidence=60)))
    case = Case.objects.get()
    assert set(case.signals.values_list("external_id", flat=True)) == {"r-0", "r-1", "r-3"}


def test_weak_signals_of_different_clusters_do_not_add_up(prada):
    RoutingSettings.objects.update_or_create(id=1, defaults={"weak_case_score": 3.0})
    for n in range(3):
        card = ("payment_fingerprint", f"pf-{n}")
        route(ingest(prada, item(n, [(f"acct-{n}", [card])], severity="medium", confidence=60)))
    assert not Case.objects.exists()


def test_a_weak_signal_joins_an_open_case_of_its_cluster(prada):
    route(ingest(prada, item(1, [("acct-1", [CARD])])))
    weak = ingest(prada, item(2, [("acct-2", [CARD])], severity="low", confidence=40))
    route(weak)
    assert Signal.objects.get(pk=weak[0]).case is not None


def test_routing_twice_changes_nothing(prada):
    ids = ingest(prada, item(1, [("acct-1", [CARD])]))
    route(ids)
    assert route(ids) == 0
    assert Case.objects.get().events.filter(kind="signals.attached").count() == 1


def test_admin_thresholds_decide_what_is_strong(prada):
    RoutingSettings.objects.update_or_create(
        id=1, defaults={"strong_min_severity": "critical", "strong_min_confidence": 95}
    )
    route(ingest(prada, item(1, [("acct-1", [CARD])], severity="high", confidence=99)))
    assert not Case.objects.exists()


def test_attach_events_extend_the_case_chain_between_other_events(prada, alice):
    from cases.services import case_comment_add

    route(ingest(prada, item(1, [("acct-1", [CARD])])))
    case = Case.objects.get()
    case_comment_add(case=case, user=alice, body="Looks like the Northwind cluster.")
    route(ingest(prada, item(2, [("acct-1", [CARD])])))
    route(ingest(prada, item(3, [("acct-2", [CARD])])))
    kinds = list(case.events.order_by("seq").values_list("seq", "kind"))
    assert kinds == [
        (1, "case.created"),
        (2, "signals.attached"),
        (3, "comment.added"),
        (4, "signals.attached"),
        (5, "signals.attached"),
    ]
    assert chain_verify(case) is None
