"""The reads behind the dashboard. Case figures count only the cases this user may see."""

import time
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from django.conf import settings
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import CaseAccount, Cluster
from cases.models import OPEN_STATES, CaseTask, State, TaskStatus
from cases.selectors import cases_visible_to
from detection.counts import signal_counts_by_day, signal_counts_by_detector
from detection.models import Detector, Signal

from .workspace import volume_chart

T = TypeVar("T")

SIGNAL_DAYS = 30
LARGEST_CLUSTERS = 10

# The sections every user sees alike (signal volume, detector health, signals set aside) are
# computed once per process and kept for QUARRY_DASHBOARD_SHARED_SECONDS, not once per request:
# investigators tend to open the dashboard together (the start of a shift, a page sent to the
# team), and 50 of them in one second ran the same five queries 50 times. What is kept is only
# read (templates), never changed, so the threads of a process may share it.
_shared: dict[str, tuple[float, object]] = {}


def shared_section(name: str, compute: Callable[[], T]) -> T:
    """`compute()`, or what it gave this process less than the setting's seconds ago."""
    kept = _shared.get(name)
    now = time.monotonic()
    if kept is not None and now - kept[0] < settings.QUARRY_DASHBOARD_SHARED_SECONDS:
        return kept[1]
    value = compute()
    _shared[name] = (now, value)
    return value


def shared_sections_forget() -> None:
    _shared.clear()


def open_by_state(counts: dict[str, int]) -> list[dict]:
    """Every open state with its count (cases.counts.case_counts_open_by_state)."""
    return [{"state": s, "label": State(s).label, "n": counts.get(s, 0)} for s in OPEN_STATES]


BREACH_COLUMNS = (
    "number",
    "title",
    "state",
    "triage_due_at",
    "resolve_due_at",
    "assignee__username",
)

# Past this many breaches the dashboard says "1,000+" rather than count them all.
BREACH_COUNT_CAP = 1000


def sla_breaches(user, open_counts: dict[str, int], limit: int = 20) -> dict:
    """Open cases past their SLA (triage for new cases, resolution for every open one).

    Counting them costs what is counted, so the cheaper side is counted, with a cap: the
    cases not yet due (few in a queue that has fallen behind; the total is then the open
    cases, from the kept counts, less those), else the breached ones themselves (few in a
    queue that keeps up). Only when both sides pass the cap is the total a floor ("1,000+")."""
    now = timezone.now()
    visible = cases_visible_to(user)
    breached = visible.filter(
        Q(state=State.NEW, triage_due_at__lt=now) | Q(state__in=OPEN_STATES, resolve_due_at__lt=now)
    )
    not_yet_due = (
        visible.filter(state__in=OPEN_STATES, resolve_due_at__gte=now)
        .exclude(state=State.NEW, triage_due_at__lt=now)
        .order_by()[: BREACH_COUNT_CAP + 1]
        .count()
    )
    if not_yet_due <= BREACH_COUNT_CAP:
        total, capped = sum(open_counts.values()) - not_yet_due, False
    else:
        total = breached.order_by()[: BREACH_COUNT_CAP + 1].count()
        capped = total > BREACH_COUNT_CAP
        total = min(total, BREACH_COUNT_CAP)
    return {
        "total": total,
        "capped": capped,
        # Only what the table shows: a case row also holds its summaries and search vector.
        "cases": list(
            breached.select_related("assignee")
            .only(*BREACH_COLUMNS)
            .order_by("resolve_due_at")[:limit]
        ),
    }


def signals_per_day(days: int = SIGNAL_DAYS) -> dict:
    """Signal volume by kind over the last days, across all detectors (counts only: nothing
    of a restricted case's content shows), from the counts the database keeps: no scan of
    the signals, however many there are. Every day of the window is on the axis."""
    now = timezone.now()
    since = now - timedelta(days=days)
    return volume_chart(signal_counts_by_day(since=since), start=since.date(), end=now.date())


def detector_health() -> list[dict]:
    """Each detector's state now, with its signal count of the last day (by hour started)."""
    recent = signal_counts_by_detector(since=timezone.now() - timedelta(hours=24))
    health = []
    for d in Detector.objects.order_by("name"):
        failing = d.last_error_at is not None and (
            d.last_success_at is None or d.last_error_at > d.last_success_at
        )
        status = "disabled" if not d.enabled else ("failing" if failing else "ok")
        health.append({"detector": d, "status": status, "last_day": recent.get(d.pk, 0)})
    return health


def routing_set_aside(limit: int = 5) -> dict:
    """Signals routing could not route and set aside (routing/services.py): how many, and the
    newest with their reasons, so that a bad row is seen, not silently skipped."""
    aside = Signal.objects.exclude(routing_error="")
    latest = list(
        aside.select_related("detector")
        .only("external_id", "received_at", "routing_error", "detector__name")
        .order_by("-received_at")[:limit]
    )
    # Usually there are none, or a few: then the list is all of them and needs no count.
    total = len(latest) if len(latest) < limit else aside.count()
    return {"total": total, "latest": latest}


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


def my_tasks(user, limit: int = 20) -> list[CaseTask]:
    """Open tasks assigned to this user, on open cases the user may see, soonest due first."""
    visible_open = cases_visible_to(user).filter(state__in=OPEN_STATES).values("pk")
    return list(
        CaseTask.objects.filter(assignee=user, status=TaskStatus.OPEN, case__in=visible_open)
        .select_related("case")
        .only("title", "due_date", "case__number")
        .order_by(F("due_date").asc(nulls_last=True), "case_id", "position")[:limit]
    )
