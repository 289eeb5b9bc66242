"""The queue's reads: which cases a filtered, sorted queue shows, one keyset page at a time.

Keyset pagination ("the 50 cases after this one") costs the same on page 500 as on page 1,
where OFFSET would read and throw away every earlier row."""

import json
import re
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import CaseAccount
from cases.models import OPEN_STATES, Case, State
from cases.selectors import cases_visible_to
from detection.models import Signal

from .search_terms import excluded_terms, search_query, websearch

PAGE_SIZE = 50
CASE_NUMBER = re.compile(r"^QRY-[0-9]{4}-[0-9]+$", re.IGNORECASE)
# Counting every match of a broad queue costs more than the page itself; past this many the
# queue says "1,000+".
COUNT_CAP = 1000
# Even a count that stops at COUNT_CAP + 1 reads every match of a full-text term first (a GIN
# index gives its matches as one bitmap), so its cost grows with the table. When the planner
# expects this many times the cap, the queue says "1,000+" without counting: a margin wide
# enough for its estimate to be well off and still past the cap.
ESTIMATE_MARGIN = 10

QUEUES = {
    "mine": "My cases",
    "unassigned": "Unassigned new",
    "legal": "Legal review",
    "open": "All open",
    "closed": "Closed",
    "all": "Everything",
}

# What a queue row shows (the search vector and the long texts stay in the database).
QUEUE_COLUMNS = [
    "number",
    "title",
    "severity",
    "state",
    "restricted",
    "tags",
    "created_at",
    "updated_at",
    "triage_due_at",
    "resolve_due_at",
    "assignee__username",
]

# sort name -> (label, field, descending)
SORTS = {
    "newest": ("Newest first", "created_at", True),
    "oldest": ("Oldest first", "created_at", False),
    "updated": ("Recently updated", "updated_at", True),
    "due": ("Resolve due soonest", "resolve_due_at", False),
}


@dataclass(frozen=True)
class Cursor:
    value: datetime
    pk: int

    def encode(self) -> str:
        return f"{self.value.isoformat()}~{self.pk}"

    @classmethod
    def decode(cls, raw: str) -> "Cursor | None":
        try:
            value, pk = raw.rsplit("~", 1)
            return cls(datetime.fromisoformat(value), int(pk))
        except (ValueError, TypeError):
            return None


@dataclass
class QueuePage:
    cases: list[Case]
    next_cursor: str | None
    prev_cursor: str | None
    total: int
    total_capped: bool


def queue_cases(user, filters: dict) -> QuerySet[Case]:
    """Every case of the queue `filters` describes, unsorted. `filters` is the cleaned data of
    cases.forms.QueueFilterForm."""
    cases = cases_visible_to(user)
    queue = filters.get("queue") or "open"
    if queue == "mine":
        cases = cases.filter(assignee_id=user.pk, state__in=OPEN_STATES)
    elif queue == "unassigned":
        cases = cases.filter(assignee__isnull=True, state=State.NEW)
    elif queue == "legal":
        # What waits for legal; on a restricted case the reviewers see it as members
        # (cases/legal_review.py adds them when the case moves here).
        cases = cases.filter(state=State.LEGAL_REVIEW)
    elif queue == "open":
        cases = cases.filter(state__in=OPEN_STATES)
    elif queue == "closed":
        cases = cases.filter(state=State.CLOSED)
    if filters.get("state"):
        cases = cases.filter(state=filters["state"])
    if filters.get("severity"):
        cases = cases.filter(severity=filters["severity"])
    assignee = filters.get("assignee")
    if assignee == "-":
        cases = cases.filter(assignee__isnull=True)
    elif assignee:
        cases = cases.filter(assignee__username=assignee)
    if filters.get("tag"):
        cases = cases.filter(tags__contains=[filters["tag"].strip().lower()])
    if filters.get("actor"):
        cases = cases.filter(suspected_actor__icontains=filters["actor"].strip())
    if filters.get("detector"):
        from_detector = Signal.objects.filter(case_id=OuterRef("pk"), detector=filters["detector"])
        cases = cases.filter(Exists(from_detector))
    if filters.get("created_from"):
        cases = cases.filter(created_at__date__gte=filters["created_from"])
    if filters.get("created_to"):
        cases = cases.filter(created_at__date__lte=filters["created_to"])
    if filters.get("q"):
        cases = cases.filter(search_matches(filters["q"]))
    return cases


def search_matches(text: str) -> Q:
    """Full text over the case's search_vector (see migration cases/0003), plus exact matches
    on the case number and on the external id of a linked account."""
    text = text.strip()
    query = search_query(text)
    by_account = list(
        CaseAccount.objects.filter(account__external_id=text).values_list("case_id", flat=True)
    )
    matches = Q(search_vector=query) | Q(pk__in=by_account)
    if CASE_NUMBER.match(text):
        matches |= Q(number__iexact=text)
    for term in excluded_terms(text):
        matches &= ~Q(search_vector=websearch(term))
    return matches


def _estimated_rows(cases: QuerySet[Case]) -> float:
    """How many rows the planner expects `cases` to hold: a plan, no rows read."""
    plan = json.loads(cases.order_by().explain(format="json"))
    return (plan[0] if isinstance(plan, list) else plan)["Plan"]["Plan Rows"]


def queue_total(cases: QuerySet[Case], *, known: int | None = None) -> tuple[int, bool]:
    """(total, capped): how many cases the queue holds, at most COUNT_CAP and then capped.
    `known` is the total when it is known already (the first page held the whole queue)."""
    if known is None:
        if _estimated_rows(cases) > ESTIMATE_MARGIN * COUNT_CAP:
            return COUNT_CAP, True
        known = cases.order_by()[: COUNT_CAP + 1].count()
    return min(known, COUNT_CAP), known > COUNT_CAP


def queue_page(cases: QuerySet[Case], *, sort: str, after: str = "", before: str = "") -> QueuePage:
    _, field, descending = SORTS.get(sort) or SORTS["newest"]
    matching = cases
    cursor = Cursor.decode(before or after) if (before or after) else None
    backwards = bool(before) and cursor is not None
    # Walking backwards is walking forwards in the opposite order, then flipping the page.
    forward_desc = descending != backwards
    if cursor is not None:
        # The redundant `<=` (or `>=`) bound is what the index scan can start from; the OR
        # alone would make it walk from the first row and filter.
        if forward_desc:
            beyond = Q(**{f"{field}__lt": cursor.value}) | Q(
                **{field: cursor.value, "pk__lt": cursor.pk}
            )
            cases = cases.filter(Q(**{f"{field}__lte": cursor.value}), beyond)
        else:
            beyond = Q(**{f"{field}__gt": cursor.value}) | Q(
                **{field: cursor.value, "pk__gt": cursor.pk}
            )
            cases = cases.filter(Q(**{f"{field}__gte": cursor.value}), beyond)
    order = [f"-{field}", "-pk"] if forward_desc else [field, "pk"]
    rows = list(
        cases.select_related("assignee").only(*QUEUE_COLUMNS).order_by(*order)[: PAGE_SIZE + 1]
    )
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    if backwards:
        rows.reverse()

    def key(case: Case) -> str:
        return Cursor(getattr(case, field), case.pk).encode()

    has_next = more if not backwards else True
    has_prev = (cursor is not None) if not backwards else more
    # The first page of a short queue is the whole queue: its rows are the count.
    whole = cursor is None and not more
    total, capped = queue_total(matching, known=len(rows) if whole else None)
    return QueuePage(
        cases=rows,
        next_cursor=key(rows[-1]) if rows and has_next else None,
        prev_cursor=key(rows[0]) if rows and has_prev else None,
        total=total,
        total_capped=capped,
    )
