from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from cases.models import Severity


class SignalKind(models.TextChoices):
    VOLUME_ANOMALY = "volume_anomaly", "Volume anomaly"
    COT_ELICITATION = "cot_elicitation", "Chain-of-thought elicitation"
    CAPABILITY_HARVESTING = "capability_harvesting", "Capability harvesting"
    COORDINATED_ACCOUNTS = "coordinated_accounts", "Coordinated accounts"
    SHARED_PAYMENT = "shared_payment", "Shared payment"
    SHARED_INFRASTRUCTURE = "shared_infrastructure", "Shared infrastructure"
    SIGNUP_BURST = "signup_burst", "Sign-up burst"
    RELEASE_PIVOT = "release_pivot", "Release pivot"
    PARTNER_INDICATOR = "partner_indicator", "Partner indicator"
    OTHER = "other", "Other"


class DetectorMode(models.TextChoices):
    PUSH = "push", "Pushes over the API"
    PULL = "pull", "Polled feed"


class Detector(models.Model):
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    mode = models.CharField(max_length=4, choices=DetectorMode.choices, default=DetectorMode.PUSH)
    enabled = models.BooleanField(default=True)
    # The API token is shown once; only its SHA-256 is kept, plus a prefix to recognise it.
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    token_prefix = models.CharField(max_length=12, blank=True)
    token_revoked_at = models.DateTimeField(null=True, blank=True)
    hmac_secret = models.CharField(max_length=128, blank=True)
    feed_url = models.URLField(blank=True)
    feed_auth_header = models.CharField(max_length=500, blank=True)
    poll_interval_seconds = models.PositiveIntegerField(default=30)
    feed_cursor = models.CharField(max_length=500, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(mode=DetectorMode.PUSH) | ~Q(feed_url=""),
                name="detector_pull_needs_feed_url",
            ),
        ]

    def __str__(self) -> str:
        return self.name


# Integrity on the hottest relations is kept by the delete side, not the insert side. A
# foreign-key check on insert locks the referenced row (FOR KEY SHARE): for a batch of 1,000
# signals that is 3,000 row locks, written to the WAL and turned into multixacts when parallel
# batches name the same accounts, which cost a quarter of ingestion's database time. Signals and
# their links are written by one statement from rows it has just read (detection/ingestion.py),
# and triggers (migration 0003) refuse to delete a detector or an account that signals name and
# delete a signal's links with it; `verify_integrity` reports any orphan link.
HOT_PATH_FK = {"db_constraint": False, "db_index": False}


class Signal(models.Model):
    # No separate indexes on detector or case: (detector, external_id) and (case, observed_at)
    # lead with them, and every index is paid for on each of thousands of inserts a second.
    detector = models.ForeignKey(
        Detector, on_delete=models.PROTECT, related_name="signals", **HOT_PATH_FK
    )
    external_id = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=SignalKind.choices)
    severity = models.CharField(max_length=10)
    confidence = models.PositiveSmallIntegerField()
    observed_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    summary = models.TextField(blank=True)
    observables = models.JSONField(default=list, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    case = models.ForeignKey(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="signals",
        db_index=False,
    )
    routed_at = models.DateTimeField(null=True, blank=True)
    # Why routing set this signal aside (routed_at set, no case): a row it could not route,
    # kept out of the way of every other signal. Empty for signals routed normally.
    routing_error = models.TextField(blank=True, db_default="")
    # The external ids of the accounts the detector named, sorted, as it sent them: what
    # verify_integrity checks the signal's account links against. NULL for signals stored
    # before this was recorded.
    account_external_ids = ArrayField(models.TextField(), null=True, blank=True)
    accounts = models.ManyToManyField(
        "accounts.Account", through="SignalAccount", related_name="signals"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["detector", "external_id"], name="signal_detector_external_id_unique"
            ),
            models.CheckConstraint(
                condition=Q(confidence__gte=0, confidence__lte=100), name="signal_confidence_0_100"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=SignalKind.values), name="signal_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(severity__in=Severity.values),
                name="signal_severity_valid",
            ),
        ]
        indexes = [
            # Only signals in a case: a weak signal never enters it, and ingestion pays for
            # one index fewer per signal (routing adds the entry when it sets the case).
            models.Index(
                fields=["case", "observed_at"],
                name="signal_case_observed",
                condition=Q(case__isnull=False),
            ),
            models.Index(fields=["observed_at"], name="signal_observed"),
            # The routing sweep looks for signals nobody routed yet; few at any time.
            models.Index(
                fields=["received_at"], name="signal_unrouted", condition=Q(routed_at__isnull=True)
            ),
            # Signals routing set aside: few, counted on the dashboard.
            models.Index(
                fields=["received_at"], name="signal_set_aside", condition=~Q(routing_error="")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.detector_id}:{self.external_id}"


class SignalAccount(models.Model):
    # The pair is the key (no surrogate id: ingestion writes two links per signal, and each
    # index is paid on every one); the key indexes the signal side, the index below the account.
    pk = models.CompositePrimaryKey("signal", "account")
    signal = models.ForeignKey(Signal, on_delete=models.CASCADE, **HOT_PATH_FK)
    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, **HOT_PATH_FK)

    class Meta:
        indexes = [models.Index(fields=["account"], name="signal_account_account")]


class DetectorFeedState(models.Model):
    """How a pull detector's feed is doing: when to poll next, how often it failed in a row,
    and what an admin needs to judge its health. One row per pull detector."""

    detector = models.OneToOneField(
        Detector, on_delete=models.CASCADE, primary_key=True, related_name="feed_state"
    )
    next_poll_at = models.DateTimeField(null=True, blank=True)
    # A poll in progress holds a lease so beat does not start a second one for the same feed.
    lease_until = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    # The last time a poll reached the end of the feed: lag is measured from it.
    caught_up_at = models.DateTimeField(null=True, blank=True)
    items_total = models.BigIntegerField(default=0)
    rejected_total = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"feed of {self.detector_id}"


class FeedPoll(models.Model):
    """One page fetched from a pull feed (or one failed attempt), kept for health figures."""

    detector = models.ForeignKey(Detector, on_delete=models.CASCADE, related_name="feed_polls")
    at = models.DateTimeField()
    cursor_before = models.CharField(max_length=500, blank=True)
    cursor_after = models.CharField(max_length=500, blank=True)
    created = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["detector", "-at"], name="feed_poll_detector_at")]


class RejectedSignal(models.Model):
    """An item of a pulled page that failed validation: recorded so the feed can move on."""

    detector = models.ForeignKey(Detector, on_delete=models.CASCADE, related_name="rejections")
    at = models.DateTimeField()
    cursor = models.CharField(max_length=500, blank=True)
    index = models.PositiveIntegerField()
    external_id = models.CharField(max_length=200, blank=True)
    field = models.CharField(max_length=100)
    message = models.TextField()
    item = models.JSONField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["detector", "-at"], name="rejected_detector_at")]


class RoutingSettings(models.Model):
    """Admin-set routing thresholds; a single row (id 1), made on first read."""

    strong_min_severity = models.CharField(max_length=10, default=Severity.HIGH)
    strong_min_confidence = models.PositiveSmallIntegerField(default=80)
    weak_case_score = models.FloatField(default=12.0)

    class Meta:
        verbose_name = "routing settings"
        verbose_name_plural = "routing settings"
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="routing_settings_singleton"),
            models.CheckConstraint(
                condition=Q(strong_min_severity__in=Severity.values),
                name="routing_strong_severity_valid",
            ),
            models.CheckConstraint(
                condition=Q(strong_min_confidence__gte=0, strong_min_confidence__lte=100),
                name="routing_strong_confidence_0_100",
            ),
            models.CheckConstraint(
                condition=Q(weak_case_score__gt=0), name="routing_weak_score_positive"
            ),
        ]

    def __str__(self) -> str:
        return "Routing thresholds"

    @classmethod
    def current(cls) -> "RoutingSettings":
        obj, _ = cls.objects.get_or_create(id=1)
        return obj


class SignalCount(models.Model):
    """Signal counts per hour observed, detector and kind, for the dashboard: its cost must not
    grow with the signal table. Kept by statement triggers on detection_signal (migration
    detection 0008), whatever path a signal came by (ingestion, feeds, seeding, a restore):
    each INSERT adds a row of counts, each DELETE a row of negative counts; a signal's hour,
    detector and kind never change afterwards. Rows are deltas, not totals, so that two batches
    never wait for each other on one counter row; `signal_counts_compact` (beat) folds them."""

    hour = models.DateTimeField()
    detector_id = models.BigIntegerField()
    kind = models.CharField(max_length=30)
    n = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["hour"], name="signal_count_hour")]
