"""Signal charts run over every day of their range (empty days as zero) and name each
dataset's kind, which picks its colour on every chart."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from core.dayseries import MAX_DAYS, days_between
from detection.models import Signal
from web.workspace import volume_chart


def test_days_without_signals_are_zero():
    chart = volume_chart([("2026-11-11", "partner_indicator", 3), ("2026-11-14", "other", 1)])
    assert chart["labels"] == ["2026-11-11", "2026-11-12", "2026-11-13", "2026-11-14"]
    by_kind = {d["kind"]: d["data"] for d in chart["datasets"]}
    assert by_kind == {"partner_indicator": [3, 0, 0, 0], "other": [0, 0, 0, 1]}


def test_kinds_come_in_the_vocabulary_order_whatever_the_rows_order():
    chart = volume_chart([("2026-11-11", "other", 1), ("2026-11-11", "volume_anomaly", 2)])
    assert [d["kind"] for d in chart["datasets"]] == ["volume_anomaly", "other"]


def test_a_range_longer_than_the_cap_keeps_its_latest_days():
    days = days_between(["2020-01-01", "2026-11-30"])
    assert len(days) == MAX_DAYS and days[-1] == "2026-11-30"


def test_the_dashboard_chart_spans_its_whole_window(client, alice, case, detector):
    Signal.objects.create(
        detector=detector,
        external_id="old",
        kind="partner_indicator",
        severity="low",
        confidence=50,
        observed_at=timezone.now() - timedelta(days=20),
        case=case,
    )
    client.force_login(alice)
    chart = client.get(reverse("dashboard")).context["signal_chart"]
    assert chart["labels"][-1] == timezone.now().date().isoformat()
    assert len(chart["labels"]) == 31
    assert sum(chart["datasets"][0]["data"]) == 1
