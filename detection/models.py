from django.db import models
from django.db.models import Q


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


class Signal(models.Model):
    detector = models.ForeignKey(Detector, on_delete=models.PROTECT, related_name="signals")
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
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="signals"
    )
    routed_at = models.DateTimeField(null=True, blank=True)
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
                condition=Q(severity__in=["low", "medium", "high", "critical"]),
                name="signal_severity_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["case", "observed_at"], name="signal_case_observed"),
            models.Index(fields=["observed_at"], name="signal_observed"),
        ]

    def __str__(self) -> str:
        return f"{self.detector_id}:{self.external_id}"


class SignalAccount(models.Model):
    signal = models.ForeignKey(Signal, on_delete=models.CASCADE)
    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["signal", "account"], name="signal_account_unique"),
        ]
        indexes = [models.Index(fields=["account"], name="signal_account_account")]
