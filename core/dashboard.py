"""The reads behind the dashboard. Case figures count only the cases this user may see."""

from datetime import timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncDay
from django.utils import timezone

from accounts.models import Account
from cases.models import OPEN_STATES, State
from cases.selectors import cases_visible_to
from cases.workspace import volume_chart
from detection.models import Detector, Signal

SIGNAL_DAYS = 30
SHARED_ACCOUNTS = 10


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
    of a restricted case's content shows)."""
    since = timezone.now() - timedelta(days=days)
    rows = (
        Signal.objects.filter(observed_at__gte=since)
        .annotate(day=TruncDay("observed_at"))
        .values("day", "kind")
        .annotate(n=Count("id"))
        .order_by("day", "kind")
    )
    return volume_chart(list(rows))


def detector_health() -> list[dict]:
    since = timezone.now() - timedelta(hours=24)
    detectors = Detector.objects.annotate(
        last_day=Count("signals", filter=Q(signals__received_at__gte=since))
    ).order_by("name")
    health = []
    for d in detectors:
        failing = d.last_error_at is not None and (
            d.last_success_at is None or d.last_error_at > d.last_success_at
        )
        status = "disabled" if not d.enabled else ("failing" if failing else "ok")
        health.append({"detector": d, "status": status, "last_day": d.last_day})
    return health


def shared_accounts(user, limit: int = SHARED_ACCOUNTS) -> list[Account]:
    """No cluster model yet: the accounts linked to the most open cases stand in for the
    largest active clusters."""
    visible = cases_visible_to(user).filter(state__in=OPEN_STATES).values("pk")
    return list(
        Account.objects.filter(case_links__case__in=visible)
        .annotate(open_cases=Count("case_links", distinct=True))
        .filter(open_cases__gte=2)
        .order_by("-open_cases", "external_id")[:limit]
    )
