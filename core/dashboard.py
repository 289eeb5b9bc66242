"""The reads behind the dashboard. Case figures count only the cases this user may see."""

from datetime import timedelta

from django.core.cache import cache
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import CaseAccount, Cluster
from cases.models import OPEN_STATES, State
from cases.selectors import cases_visible_to
from cases.workspace import signal_volume, volume_chart
from detection.models import Detector, Signal

SIGNAL_DAYS = 30
LARGEST_CLUSTERS = 10
CHART_CACHE_SECONDS = 300
DETECTOR_COUNTS_CACHE_SECONDS = 30


def open_by_state(user) -> list[dict]:
    counts = dict(
        cases_visible_to(user)
        .filter(state__in=OPEN_STATES)
        .values_list("state")
        .annotate(n=Count("id"))
        .values_list("state", "n")
    )
    return [{"state": s, "label": State(s).label, "n": counts.get(s, 0)} for s in OPEN_STATES]


def sla_breaches(user, limit: int = 20) -> dict:
    now = timezone.now()
    breached = cases_visible_to(user).filter(
        Q(state=State.NEW, triage_due_at__lt=now) | Q(state__in=OPEN_STATES, resolve_due_at__lt=now)
    )
    return {
        "total": breached.count(),
        "cases": list(breached.select_related("assignee").order_by("resolve_due_at")[:limit]),
    }


def signals_per_day(days: int = SIGNAL_DAYS) -> dict:
    """Signal volume by kind over the last days, across all detectors (counts only: nothing
    of a restricted case's content shows). The same for everyone, so it is cached briefly:
    with a million signals the aggregate takes a noticeable fraction of a second."""
    key = f"dashboard:signals_per_day:{days}"
    chart = cache.get(key)
    if chart is None:
        since = timezone.now() - timedelta(days=days)
        chart = volume_chart(
            signal_volume(Signal.objects.filter(observed_at__gte=since)),
            start=since.date(),
            end=timezone.now().date(),
        )
        cache.set(key, chart, CHART_CACHE_SECONDS)
    return chart


def _signals_last_day() -> dict[int, int]:
    """Signals per detector over the last 24 hours: counts only, the same for everyone, and at
    a million signals a day a third of a second to count, so cached for a short while."""
    key = "dashboard:signals_last_day"
    recent = cache.get(key)
    if recent is None:
        since = timezone.now() - timedelta(hours=24)
        recent = dict(
            Signal.objects.filter(observed_at__gte=since)
            .values_list("detector_id")
            .annotate(n=Count("id"))
            .values_list("detector_id", "n")
        )
        cache.set(key, recent, DETECTOR_COUNTS_CACHE_SECONDS)
    return recent


def detector_health() -> list[dict]:
    """Each detector's state now, with its (briefly cached) signal count of the last day."""
    recent = _signals_last_day()
    health = []
    for d in Detector.objects.order_by("name"):
        failing = d.last_error_at is not None and (
            d.last_success_at is None or d.last_error_at > d.last_success_at
        )
        status = "disabled" if not d.enabled else ("failing" if failing else "ok")
        health.append({"detector": d, "status": status, "last_day": recent.get(d.pk, 0)})
    return health


def largest_clusters(user, limit: int = LARGEST_CLUSTERS) -> list[Cluster]:
    """The biggest live clusters, each with the number of open cases (visible to this user)
    that link any of its accounts."""
    visible_open = cases_visible_to(user).filter(state__in=OPEN_STATES).values("pk")
    open_cases = (
        CaseAccount.objects.filter(
            case__in=visible_open, account__cluster_membership__cluster=OuterRef("pk")
        )
        .values("account__cluster_membership__cluster")
        .annotate(n=Count("case_id", distinct=True))
        .values("n")
    )
    return list(
        Cluster.objects.filter(dissolved_at__isnull=True, size__gte=2)
        .annotate(open_cases=Coalesce(Subquery(open_cases), 0))
        .order_by("-size", "id")[:limit]
    )
