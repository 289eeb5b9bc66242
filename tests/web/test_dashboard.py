from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import CaseAccount
from cases.models import Case
from detection.models import Signal
from tests.factories import AccountFactory, make_case
from web.dashboard import routing_set_aside


def test_counts_open_cases_by_state(client, alice):
    make_case(created_by=alice)
    make_case(created_by=alice)
    client.force_login(alice)
    by_state = client.get(reverse("dashboard")).context["by_state"]
    assert {s["state"]: s["n"] for s in by_state}["new"] == 2


def test_hidden_cases_do_not_count(client, oscar, restricted_case):
    client.force_login(oscar)
    by_state = client.get(reverse("dashboard")).context["by_state"]
    assert sum(s["n"] for s in by_state) == 0


def test_lists_sla_breaches(client, alice):
    late = make_case(created_by=alice)
    Case.objects.filter(pk=late.pk).update(triage_due_at=timezone.now() - timedelta(hours=1))
    make_case(created_by=alice)
    client.force_login(alice)
    breaches = client.get(reverse("dashboard")).context["breaches"]
    assert breaches["total"] == 1 and breaches["cases"][0].number == late.number


def test_charts_signals_per_day_by_kind(client, alice, case, signals_on):
    signals_on(case, 4, kind="signup_burst")
    client.force_login(alice)
    chart = client.get(reverse("dashboard")).context["signal_chart"]
    assert chart["totals"] == [{"kind": "Sign-up burst", "total": 4}]


def test_a_failing_detector_shows_as_failing(client, alice, detector):
    detector.last_success_at = timezone.now() - timedelta(hours=2)
    detector.last_error_at = timezone.now()
    detector.last_error = "feed returned 502"
    detector.save()
    client.force_login(alice)
    health = client.get(reverse("dashboard")).context["detectors"]
    assert [(h["detector"].name, h["status"]) for h in health] == [("volume-watch", "failing")]


def test_lists_the_largest_live_clusters_with_their_open_cases(client, alice):
    from accounts.clustering import cluster_update_for_accounts
    from accounts.models import AccountAttribute

    big = [AccountFactory() for _ in range(3)]
    small = [AccountFactory() for _ in range(2)]
    for group, value in ((big, "pf-big"), (small, "pf-small")):
        for account in group:
            AccountAttribute.objects.create(
                account=account, type="payment_fingerprint", value=value
            )
    cluster_update_for_accounts([a.pk for a in big + small])
    case = make_case(created_by=alice)
    CaseAccount.objects.create(case=case, account=big[0])
    CaseAccount.objects.create(case=case, account=big[1])
    client.force_login(alice)
    clusters = client.get(reverse("dashboard")).context["clusters"]
    assert [(c.size, c.open_cases) for c in clusters] == [(3, 1), (2, 0)]


def test_detector_health_counts_the_last_day_at_once(client, alice, case, signals_on, settings):
    settings.QUARRY_DASHBOARD_SHARED_SECONDS = 0
    signals_on(case, 3)
    client.force_login(alice)
    health = client.get(reverse("dashboard")).context["detectors"]
    assert [h["last_day"] for h in health] == [3]
    signals_on(case, 2, kind="signup_burst")
    # Counted by the database as the signals are stored: no stale count in between.
    health = client.get(reverse("dashboard")).context["detectors"]
    assert [h["last_day"] for h in health] == [5]


def test_the_sections_alike_for_everyone_are_kept_a_few_seconds_per_process(
    client, alice, lena, case, signals_on, settings
):
    settings.QUARRY_DASHBOARD_SHARED_SECONDS = 60
    signals_on(case, 3)
    client.force_login(alice)
    first = client.get(reverse("dashboard"))
    assert [h["last_day"] for h in first.context["detectors"]] == [3]
    signals_on(case, 2, kind="signup_burst")
    client.force_login(lena)  # another user: the same kept sections, read from no table
    with CaptureQueriesContext(connection) as queries:
        again = client.get(reverse("dashboard"))
    assert not [q["sql"] for q in queries.captured_queries if "detection_" in q["sql"]]
    assert [h["last_day"] for h in again.context["detectors"]] == [3]
    assert again.context["signal_chart"] is first.context["signal_chart"]
    settings.QUARRY_DASHBOARD_SHARED_SECONDS = 0  # kept no longer: counted afresh
    fresh = client.get(reverse("dashboard"))
    assert [h["last_day"] for h in fresh.context["detectors"]] == [5]


def test_a_few_signals_set_aside_are_listed_and_counted_without_a_count_query(
    client, alice, case, signals_on, django_assert_num_queries
):
    signals_on(case, 3)
    Signal.objects.filter(external_id__endswith="-0").update(routing_error="missing account 9")
    Signal.objects.filter(external_id__endswith="-1").update(routing_error="missing account 8")
    with django_assert_num_queries(1):
        aside = routing_set_aside(limit=5)
    assert aside["total"] == 2
    assert sorted(s.routing_error for s in aside["latest"]) == [
        "missing account 8",
        "missing account 9",
    ]
    client.force_login(alice)
    assert b"Signals set aside by routing: 2" in client.get(reverse("dashboard")).content
