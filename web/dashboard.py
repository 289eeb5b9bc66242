"""The reads behind the dashboard. Case figures count only the cases this user may see."""

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypeVar

from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.models import Cluster
from cases.models import OPEN_STATES, State, TaskStatus
from cases.selectors import VISIBLE_SQL, user_sees_cases
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


# Past this many breaches the dashboard says "1,000+" rather than count them all.
BREACH_COUNT_CAP = 1000

# The dashboard's reads of cases are fixed statements: as querysets (visibility's EXISTS, the
# annotations), compiling them cost the page more than PostgreSQL took to run them, and the
# dashboard is the page 50 investigators open together. Each reads only what is shown.
_BREACHED = (
    "((c.state = %(new)s AND c.triage_due_at < %(now)s)"
    " OR (c.state = ANY(%(open)s) AND c.resolve_due_at < %(now)s))"
)
_NOT_YET_DUE_COUNT = """
SELECT count(*) FROM (
    SELECT 1 FROM cases_case c
    WHERE c.state = ANY(%(open)s) AND c.resolve_due_at >= %(now)s
      AND NOT (c.state = %(new)s AND c.triage_due_at < %(now)s) AND {visible}
    LIMIT %(cap)s
) capped"""
_BREACHED_COUNT = f"""
SELECT count(*) FROM (
    SELECT 1 FROM cases_case c WHERE {_BREACHED} AND {{visible}} LIMIT %(cap)s
) capped"""
_BREACHED_LIST = f"""
SELECT c.number, c.title, c.state, c.triage_due_at, c.resolve_due_at, u.username
FROM cases_case c LEFT JOIN auth_user u ON u.id = c.assignee_id
WHERE {_BREACHED} AND {{visible}}
ORDER BY c.resolve_due_at, c.id LIMIT %(limit)s"""


@dataclass(frozen=True)
class Breach:
    """An open case past its SLA, as the dashboard lists it."""

    number: str
    title: str
    state: str
    triage_due_at: datetime
    resolve_due_at: datetime
    assignee: str | None

    @property
    def state_label(self) -> str:
        return State(self.state).label


def _visible(user) -> str:
    """The visibility condition for the case alias `c` (cases.selectors.VISIBLE_SQL)."""
    return VISIBLE_SQL if user_sees_cases(user) else "false"


def sla_breaches(user, open_counts: dict[str, int], limit: int = 20) -> dict:
    """Open cases past their SLA (triage for new cases, resolution for every open one).

    Counting them costs what is counted, so the cheaper side is counted, with a cap: the
    cases not yet due (few in a queue that has fallen behind; the total is then the open
    cases, from the kept counts, less those), else the breached ones themselves (few in a
    queue that keeps up). Only when both sides pass the cap is the total a floor ("1,000+")."""
    visible = _visible(user)
    params = {
        "user": user.pk,
        "now": timezone.now(),
        "open": list(OPEN_STATES),
        "new": State.NEW.value,
        "cap": BREACH_COUNT_CAP + 1,
        "limit": limit,
    }
    with connection.cursor() as cursor:
        cursor.execute(_NOT_YET_DUE_COUNT.format(visible=visible), params)
        not_yet_due = cursor.fetchone()[0]
        if not_yet_due <= BREACH_COUNT_CAP:
            total, capped = sum(open_counts.values()) - not_yet_due, False
        else:
            cursor.execute(_BREACHED_COUNT.format(visible=visible), params)
            total = cursor.fetchone()[0]
            capped = total > BREACH_COUNT_CAP
            total = min(total, BREACH_COUNT_CAP)
        cursor.execute(_BREACHED_LIST.format(visible=visible), params)
        cases = [Breach(*row) for row in cursor.fetchall()]
    return {"total": total, "capped": capped, "cases": cases}


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


_LARGEST_CLUSTERS = """
SELECT k.id, k.size, (
    SELECT count(DISTINCT ca.case_id) FROM accounts_caseaccount ca
    JOIN accounts_clustermember cm ON cm.account_id = ca.account_id
    JOIN cases_case c ON c.id = ca.case_id
    WHERE cm.cluster_id = k.id AND c.state = ANY(%(open)s) AND {visible}
)
FROM accounts_cluster k WHERE k.dissolved_at IS NULL AND k.size >= 2
ORDER BY k.size DESC, k.id LIMIT %(limit)s"""


def largest_clusters(user, limit: int = LARGEST_CLUSTERS) -> list[Cluster]:
    """The biggest live clusters, each with the number of open cases (visible to this user)
    that link any of its accounts (as `open_cases`)."""
    params = {"user": user.pk, "open": list(OPEN_STATES), "limit": limit}
    with connection.cursor() as cursor:
        cursor.execute(_LARGEST_CLUSTERS.format(visible=_visible(user)), params)
        rows = cursor.fetchall()
    clusters = []
    for pk, size, open_cases in rows:
        cluster = Cluster(pk=pk, size=size)
        cluster.open_cases = open_cases
        clusters.append(cluster)
    return clusters


_MY_TASKS = """
SELECT t.title, t.due_date, c.number FROM cases_casetask t JOIN cases_case c ON c.id = t.case_id
WHERE t.assignee_id = %(user)s AND t.status = %(status)s AND c.state = ANY(%(open)s)
  AND {visible}
ORDER BY t.due_date ASC NULLS LAST, t.case_id, t.position LIMIT %(limit)s"""


@dataclass(frozen=True)
class MyTask:
    title: str
    due_date: date | None
    case_number: str


def my_tasks(user, limit: int = 20) -> list[MyTask]:
    """Open tasks assigned to this user, on open cases the user may see, soonest due first."""
    params = {
        "user": user.pk,
        "status": TaskStatus.OPEN,
        "open": list(OPEN_STATES),
        "limit": limit,
    }
    with connection.cursor() as cursor:
        cursor.execute(_MY_TASKS.format(visible=_visible(user)), params)
        return [MyTask(*row) for row in cursor.fetchall()]
