from django.core.management import call_command

from accounts.models import Account, AccountAttribute, CaseAccount
from cases.audit import chain_verify
from cases.models import Case, CaseEvent
from cases.services import case_create
from detection.models import Signal, SignalAccount


def test_seed_bench_loads_what_it_is_asked_for(db):
    call_command("seed_bench", cases=30, signals=500, accounts=40, big_case_signals=100)
    assert Case.objects.count() == 30
    assert Signal.objects.count() == 500
    assert Account.objects.count() == 40
    assert AccountAttribute.objects.count() >= 120
    assert CaseAccount.objects.count() >= 30
    big = Case.objects.get(tags__contains=["bench-big"])
    assert big.signals.count() >= 100


def test_every_seeded_case_has_a_verifying_created_event(db):
    call_command("seed_bench", cases=20, signals=0, accounts=0, big_case_signals=0)
    assert CaseEvent.objects.filter(kind="case.created", seq=1).count() == 20
    assert all(chain_verify(case) is None for case in Case.objects.all())


def test_seeded_cases_are_searchable(db):
    call_command("seed_bench", cases=10, signals=0, accounts=0, big_case_signals=0)
    from django.contrib.postgres.search import SearchQuery

    assert Case.objects.filter(search_vector=SearchQuery("proxies")).count() == 10


def test_cases_opened_after_a_seed_get_fresh_numbers(db):
    call_command("seed_bench", cases=5, signals=0, accounts=0, big_case_signals=0)
    case = case_create(title="After the seed")
    assert Case.objects.filter(number=case.number).count() == 1


def test_seeded_signals_are_about_accounts_one_busy_and_half_with_none(db):
    call_command(
        "seed_bench",
        cases=30,
        signals=500,
        accounts=40,
        big_case_signals=100,
        big_account_signals=50,
    )
    assert SignalAccount.objects.count() == 500
    ids = list(Account.objects.order_by("pk").values_list("pk", flat=True))
    assert SignalAccount.objects.filter(account_id=ids[0]).count() >= 50
    assert not SignalAccount.objects.filter(account_id__in=ids[20:]).exists()
