from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q


class Severity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


SEVERITY_RANK = {Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3, Severity.CRITICAL: 4}


class State(models.TextChoices):
    NEW = "new", "New"
    TRIAGE = "triage", "Triage"
    INVESTIGATING = "investigating", "Investigating"
    ENFORCEMENT = "enforcement", "Enforcement"
    LEGAL_REVIEW = "legal_review", "Legal review"
    REFERRED = "referred", "Referred"
    CLOSED = "closed", "Closed"


OPEN_STATES = [s for s in State.values if s != State.CLOSED]
FROZEN_STATES = [State.LEGAL_REVIEW, State.REFERRED]


class Resolution(models.TextChoices):
    CONFIRMED_THEFT = "confirmed_theft", "Confirmed theft"
    ABUSE_NO_THEFT = "abuse_no_theft", "Abuse, no theft"
    FALSE_POSITIVE = "false_positive", "False positive"
    DUPLICATE = "duplicate", "Duplicate"
    INSUFFICIENT_EVIDENCE = "insufficient_evidence", "Insufficient evidence"
    BENIGN = "benign", "Benign"


class CaseNumberCounter(models.Model):
    """One row per year; `case_number_next()` bumps it with a single upsert so that two
    cases opened at the same moment never share a number."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)


class Case(models.Model):
    number = models.CharField(max_length=20, unique=True)
    title = models.CharField(max_length=300)
    summary = models.TextField(blank=True)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    state = models.CharField(max_length=20, choices=State.choices, default=State.NEW)
    resolution = models.CharField(max_length=30, choices=Resolution.choices, blank=True)
    closing_summary = models.TextField(blank=True)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates"
    )
    # A case opened for what arrived about a frozen case's accounts (cases/freeze.py).
    follow_up_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="follow_ups"
    )
    suspected_actor = models.CharField(max_length=200, blank=True)
    actor_confidence = models.PositiveSmallIntegerField(null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_cases",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="CaseMember", related_name="member_cases", blank=True
    )
    restricted = models.BooleanField(default=False)
    legal_hold = models.BooleanField(default=False)
    tags = ArrayField(models.CharField(max_length=50), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    triaged_at = models.DateTimeField(null=True, blank=True)
    investigating_at = models.DateTimeField(null=True, blank=True)
    enforcement_at = models.DateTimeField(null=True, blank=True)
    legal_review_at = models.DateTimeField(null=True, blank=True)
    referred_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    reopened_at = models.DateTimeField(null=True, blank=True)
    triage_due_at = models.DateTimeField()
    resolve_due_at = models.DateTimeField()
    # Maintained by database triggers (migration 0003) from the case's text, its notes and its
    # evidence descriptions; never written by Python.
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(number__regex=r"^QRY-[0-9]{4}-[0-9]{5,}$"), name="case_number_format"
            ),
            models.CheckConstraint(condition=Q(state__in=State.values), name="case_state_valid"),
            models.CheckConstraint(
                condition=Q(severity__in=Severity.values), name="case_severity_valid"
            ),
            models.CheckConstraint(
                condition=Q(actor_confidence__isnull=True)
                | Q(actor_confidence__gte=0, actor_confidence__lte=100),
                name="case_actor_confidence_0_100",
            ),
            # A closed case carries a resolution and a closing summary; an open one carries none.
            models.CheckConstraint(
                condition=(Q(state=State.CLOSED) & ~Q(resolution="") & ~Q(closing_summary=""))
                | (~Q(state=State.CLOSED) & Q(resolution="")),
                name="case_resolution_iff_closed",
            ),
            models.CheckConstraint(
                condition=Q(resolution=Resolution.DUPLICATE, duplicate_of__isnull=False)
                | (~Q(resolution=Resolution.DUPLICATE) & Q(duplicate_of__isnull=True)),
                name="case_duplicate_names_survivor",
            ),
            models.CheckConstraint(
                condition=~Q(duplicate_of=models.F("id")), name="case_not_duplicate_of_itself"
            ),
        ]
        indexes = [
            models.Index(fields=["state", "-created_at"], name="case_state_created"),
            models.Index(fields=["assignee", "state"], name="case_assignee_state"),
            GinIndex(fields=["tags"], name="case_tags_gin"),
            GinIndex(fields=["search_vector"], name="case_search_gin"),
            models.Index(fields=["-created_at", "-id"], name="case_created_id"),
            models.Index(fields=["-updated_at", "-id"], name="case_updated_id"),
            models.Index(fields=["resolve_due_at", "id"], name="case_resolve_due_id"),
            # The few restricted cases, for counts that add a member's restricted cases to
            # the kept counts of the others (cases/counts.py).
            models.Index(
                fields=["id", "state"], condition=Q(restricted=True), name="case_restricted"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.state != State.CLOSED

    @property
    def is_frozen(self) -> bool:
        """What legal reviews and what is referred must not drift: routing leaves the case
        alone from legal review on, and while it is under legal hold."""
        return self.is_open and (self.state in FROZEN_STATES or self.legal_hold)


class CaseMember(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "user"], name="case_member_unique"),
        ]


class Comment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when the author edits the note; the texts it replaced are in CommentVersion.
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]


class CaseEvent(models.Model):
    """The append-only audit trail. A database trigger refuses UPDATE and DELETE; each row's
    hash covers the previous row's hash and this row's canonical JSON (see cases/audit.py)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=200)
    at = models.DateTimeField()
    data = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["case_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["case", "seq"], name="case_event_seq_unique"),
            models.CheckConstraint(condition=Q(seq__gte=1), name="case_event_seq_positive"),
        ]
        indexes = [models.Index(fields=["case", "kind"], name="case_event_kind")]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.seq} {self.kind}"


class CommentVersion(models.Model):
    """A text a note's author replaced, kept as it was (cases/notes.py)."""

    comment = models.ForeignKey(Comment, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField()
    body = models.TextField()
    written_at = models.DateTimeField()
    replaced_at = models.DateTimeField()

    class Meta:
        ordering = ["comment_id", "version"]
        constraints = [
            models.UniqueConstraint(fields=["comment", "version"], name="comment_version_unique"),
        ]


class TaskStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    SKIPPED = "skipped", "Skipped"


class CaseTask(models.Model):
    """One item of a case's task list (cases/case_tasks.py)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="tasks")
    position = models.PositiveIntegerField()
    title = models.CharField(max_length=300)
    status = models.CharField(max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    skip_reason = models.TextField(blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="case_tasks",
    )
    due_date = models.DateField(null=True, blank=True)
    template = models.CharField(max_length=50, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["case_id", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=TaskStatus.values), name="case_task_status_valid"
            ),
            # Skipping is a decision someone must be able to explain later.
            models.CheckConstraint(
                condition=~Q(status=TaskStatus.SKIPPED) | ~Q(skip_reason=""),
                name="case_task_skip_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["assignee", "status"], name="case_task_assignee_status")]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.title}"


class PendingStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class PendingSignal(models.Model):
    """A signal routing found for a frozen case, held for a person to accept or reject
    (cases/freeze.py). The signal is the detection app's; it is named by id, since the case
    aggregate sits below detection and cannot reference its models."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="pending_signals")
    signal_id = models.BigIntegerField(unique=True)
    status = models.CharField(
        max_length=10, choices=PendingStatus.choices, default=PendingStatus.PENDING
    )
    held_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["case_id", "held_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=PendingStatus.values), name="pending_signal_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status=PendingStatus.PENDING, decided_at__isnull=True)
                | (~Q(status=PendingStatus.PENDING) & Q(decided_at__isnull=False)),
                name="pending_signal_decided_iff_not_pending",
            ),
        ]
        indexes = [models.Index(fields=["case", "status"], name="pending_signal_case_status")]


class CaseCount(models.Model):
    """Case counts per state and restriction, for the dashboard: its cost must not grow with
    the case table. Kept by statement triggers on cases_case (migration cases 0006), whatever
    path a case came by (routing, the API, seeding, a restore): each statement adds rows of
    count changes, never a read-modify-write of one counter row, so that no two transactions
    wait for each other here; `case_counts_compact` (beat) folds them."""

    state = models.CharField(max_length=20)
    restricted = models.BooleanField()
    n = models.BigIntegerField()
