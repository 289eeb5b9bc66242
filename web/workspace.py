"""The reads behind the case workspace: what each tab of a case page shows."""

from django.core.cache import cache
from django.db import connection
from django.db.models import (
    CharField,
    Count,
    Exists,
    Func,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import TruncDay
from django.utils import timezone

from cases import legal_review, workflow
from cases.audit import chain_verify
from cases.models import Case, PendingStatus, Resolution, State, TaskStatus
from core.dayseries import days_between
from core.errors import DomainError
from core.http import url_prefix
from core.roles import CONTRIBUTE_ROLES, LEAD, WORK_ROLES, user_roles
from detection.models import Detector, SignalKind

from .lifecycle_tabs import evidence_with_custody, pending_signals, tab_tasks
from .queue import Cursor

TABS = ["overview", "tasks", "timeline", "evidence", "accounts", "signals", "notes", "exports"]
SIGNAL_PAGE = 50
SIGNAL_CHART_CACHE_SECONDS = 3600
SIGNAL_DETECTORS_CACHE_SECONDS = 60
SIGNAL_COLUMNS = [
    "observed_at",
    "kind",
    "severity",
    "confidence",
    "summary",
    "detector__name",
    "case",
]
TIMELINE_LIMIT = 300


# What a move's guard (services.case_transition) needs that this case lacks, checked only for
# the moves on offer: a move that would be refused is shown as not yet possible, with why.
def _enforcement_unmet(case: Case) -> str:
    return "" if case.case_accounts.exists() else "Link at least one account first (Accounts tab)."


def _legal_review_unmet(case: Case) -> str:
    if not (case.evidence_items.exists() or case.evidence_links.exists()):
        return "Add at least one evidence item first (Evidence tab)."
    try:
        legal_review.tasks_check(case)
    except DomainError as exc:
        return exc.message
    return ""


def _referral_unmet(case: Case) -> str:
    if case.exports.filter(status="done").exists():
        return ""
    return "Build an export bundle of the case first (Exports tab)."


GUARD_UNMET = {
    State.ENFORCEMENT: _enforcement_unmet,
    State.LEGAL_REVIEW: _legal_review_unmet,
    State.REFERRED: _referral_unmet,
}
STATE_ORDER = list(State.values)


# The figures the case page's tabs carry, in one round trip rather than one query each.
_TAB_COUNTS = """
SELECT (SELECT count(*) FROM accounts_caseaccount WHERE case_id = %(case)s),
       (SELECT count(*) FROM detection_signal WHERE case_id = %(case)s),
       (SELECT count(*) FROM evidence_evidence WHERE case_id = %(case)s)
       + (SELECT count(*) FROM evidence_evidencelink WHERE case_id = %(case)s),
       (SELECT count(*) FROM cases_pendingsignal WHERE case_id = %(case)s AND status = %(pending)s),
       (SELECT count(*) FROM cases_casetask WHERE case_id = %(case)s AND status = %(open)s)
"""


def case_tab_counts(case: Case) -> dict:
    """Linked accounts, signals, evidence (items and links), pending signals, open tasks."""
    with connection.cursor() as cursor:
        cursor.execute(
            _TAB_COUNTS,
            {"case": case.pk, "pending": PendingStatus.PENDING, "open": TaskStatus.OPEN},
        )
        accounts, signals, evidence, pending, tasks = cursor.fetchone()
    return {
        "linked_accounts": accounts,
        "signal_count": signals,
        "evidence_count": evidence,
        "pending_count": pending,
        "open_task_count": tasks,
    }


def sla_clock(case: Case) -> dict | None:
    """The clock that runs now: triage while new, resolution while open, none once closed."""
    if case.state == State.CLOSED:
        return None
    label, due = (
        ("Triage", case.triage_due_at)
        if case.state == State.NEW
        else ("Resolve", case.resolve_due_at)
    )
    return {"label": label, "due": due, "overdue": due < timezone.now()}


def case_actions(case: Case, user) -> dict:
    """Only what this user may do to this case in its state."""
    roles = user_roles(user)
    moves, blocked = [], []
    for target in workflow.targets_from(case.state):
        if not roles & workflow.roles_for(case.state, target):
            continue
        why = GUARD_UNMET[target](case) if target in GUARD_UNMET else ""
        if why:
            blocked.append({"label": State(target).label, "why": why})
            continue
        moves.append(
            {"value": target, "label": State(target).label, "closing": target == State.CLOSED}
        )
    # Opened by default: the move forward (for legal in review, Referred), never closing.
    forward = [
        m
        for m in moves
        if not m["closing"] and STATE_ORDER.index(m["value"]) > STATE_ORDER.index(case.state)
    ]
    for m in moves:
        m["open"] = bool(forward) and m is forward[-1]
    is_lead = LEAD in roles
    return {
        "moves": moves,
        "blocked_moves": blocked,
        "resolutions": Resolution.choices,
        "can_assign": is_lead,
        "can_restrict": is_lead,
        "can_add_members": is_lead,
        "can_edit": case.is_open and bool(roles & WORK_ROLES),
        "can_note": bool(roles & CONTRIBUTE_ROLES),
        "can_upload": case.is_open and bool(roles & CONTRIBUTE_ROLES),
    }


# Every view of a restricted case is an audit event; in "Latest activity" they are one line.
VIEWED = "case.viewed"


def tab_overview(request, case: Case) -> dict:
    views = case.events.filter(kind=VIEWED).aggregate(
        n=Count("id"), last=Max("at"), people=Count("actor_label", distinct=True)
    )
    return {
        "recent_events": list(case.events.exclude(kind=VIEWED).order_by("-seq")[:5]),
        "views": views,
        "members": list(case.memberships.select_related("user").order_by("user__username")),
    }


def tab_timeline(request, case: Case) -> dict:
    kinds = sorted(set(case.events.values_list("kind", flat=True).distinct()))
    kind = request.GET.get("kind", "")
    events = case.events.order_by("-seq")
    if kind:
        events = events.filter(kind=kind)
    return {
        "events": list(events[:TIMELINE_LIMIT]),
        "event_kinds": kinds,
        "kind": kind,
        "chain_break": chain_verify(case),
        "timeline_limit": TIMELINE_LIMIT,
    }


def tab_evidence(request, case: Case) -> dict:
    return {"evidence": evidence_with_custody(case)}


def tab_signals(request, case: Case) -> dict:
    signals = case.signals.all()
    kind = request.GET.get("kind", "")
    if kind in SignalKind.values:
        signals = signals.filter(kind=kind)
    else:
        kind = ""
    detector = request.GET.get("detector", "")
    if detector.isdigit():
        signals = signals.filter(detector_id=int(detector))
    else:
        detector = ""
    cursor = Cursor.decode(request.GET.get("after", ""))
    page = signals
    if cursor is not None:
        page = page.filter(
            Q(observed_at__lt=cursor.value) | Q(observed_at=cursor.value, pk__lt=cursor.pk),
            observed_at__lte=cursor.value,  # the bound the (case, observed_at) index starts at
        )
    rows = list(
        page.select_related("detector")
        .only(*SIGNAL_COLUMNS)
        .order_by("-observed_at", "-pk")[: SIGNAL_PAGE + 1]
    )
    next_cursor = (
        Cursor(rows[SIGNAL_PAGE - 1].observed_at, rows[SIGNAL_PAGE - 1].pk).encode()
        if len(rows) > SIGNAL_PAGE
        else None
    )
    stamp = signals_stamp(case.signals.all())
    return {
        "signals": rows[:SIGNAL_PAGE],
        "signal_next": next_cursor,
        "signal_paged": cursor is not None,
        "signal_kind": kind,
        "signal_detector": detector,
        "signal_kinds": SignalKind.choices,
        "signal_detectors": signal_detectors(case, stamp),
        "signal_chart": signal_chart(case, signals, kind=kind, detector=detector, stamp=stamp),
        "pending": pending_signals(case),
        "signal_url": url_prefix("cases:signal", case.number),
    }


def signals_stamp(signals: QuerySet) -> str:
    """What changes when signals arrive or move: their count and newest id."""
    stamp = signals.aggregate(n=Count("id"), last=Max("id"))
    return f"{stamp['n']}:{stamp['last']}"


def signal_detectors(case: Case, stamp: str) -> list[tuple[int, str]]:
    """The detectors with signals on the case, for the tab's filter. Finding them reads every
    signal of the case, scattered over the table in the order they arrived (at 10M signals, a
    page a signal): kept under the case's signals_stamp for a minute, like the other filters'
    choices (a renamed detector shows its new name within it)."""
    return cache.get_or_set(
        f"case:{case.pk}:signal_detectors:{stamp}",
        lambda: list(
            Detector.objects.filter(Exists(case.signals.filter(detector=OuterRef("pk"))))
            .order_by("name")
            .values_list("pk", "name")
        ),
        SIGNAL_DETECTORS_CACHE_SECONDS,
    )


def signal_chart(case: Case, signals: QuerySet, *, kind: str, detector: str, stamp: str) -> dict:
    """The volume chart of a case's signals. Aggregating 10,000+ signals on every page view
    would cost more than the rest of the page, and the chart only changes when signals arrive
    or move: cached under a key that changes with their signals_stamp (`stamp`: the case's
    whole; a filtered chart takes its own)."""
    if kind or detector:
        stamp = signals_stamp(signals)
    key = f"case:{case.pk}:signal_chart:{kind}:{detector}:{stamp}"
    chart = cache.get(key)
    if chart is None:
        chart = volume_chart(signal_volume(signals))
        cache.set(key, chart, SIGNAL_CHART_CACHE_SECONDS)
    return chart


def signal_volume(signals: QuerySet) -> list[tuple[str, str, int]]:
    """(day, kind, count) rows. The day comes back as text from the database: converting
    thousands of timestamps in Python costs more than the query."""
    day = Func(
        TruncDay("observed_at"), Value("YYYY-MM-DD"), function="to_char", output_field=CharField()
    )
    return list(
        signals.annotate(day=day)
        .values_list("day", "kind")
        .annotate(n=Count("id"))
        .order_by("day", "kind")
    )


def volume_chart(rows: list[tuple[str, str, int]], *, start=None, end=None) -> dict:
    """(day, kind, n) rows as chart.js datasets, one per kind in the vocabulary's order (the
    kind names its colour in quarry.js, the same on every chart), over every day of the range
    with empty days as zero, plus totals for the table."""
    labels = days_between([day for day, _, _ in rows], start=start, end=end) if rows else []
    index = {d: i for i, d in enumerate(labels)}
    present = {kind for _, kind, _ in rows}
    kinds = [k for k in SignalKind.values if k in present]
    series = {k: [0] * len(labels) for k in kinds}
    for day, kind, n in rows:
        if day in index:
            series[kind][index[day]] = n
    datasets = [{"kind": k, "label": SignalKind(k).label, "data": v} for k, v in series.items()]
    totals = [{"kind": SignalKind(k).label, "total": sum(v)} for k, v in series.items()]
    return {"labels": labels, "datasets": datasets, "totals": totals}


def tab_notes(request, case: Case) -> dict:
    return {"comments": list(case.comments.select_related("author").prefetch_related("versions"))}


TAB_CONTEXT = {
    "overview": tab_overview,
    "tasks": tab_tasks,
    "timeline": tab_timeline,
    "evidence": tab_evidence,
    "signals": tab_signals,
    "notes": tab_notes,
}
