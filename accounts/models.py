from django.conf import settings
from django.contrib.postgres.functions import TransactionNow
from django.db import models
from django.db.models import Q

from core.jobs import JobStatus


class PlatformStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    BANNED = "banned", "Banned"


class AttributeType(models.TextChoices):
    PAYMENT_FINGERPRINT = "payment_fingerprint", "Payment fingerprint"
    DEVICE_FINGERPRINT = "device_fingerprint", "Device fingerprint"
    IP = "ip", "IP address"
    ASN = "asn", "ASN"
    EMAIL_DOMAIN = "email_domain", "Email domain"
    PHONE = "phone", "Phone"
    ORG_ID = "org_id", "Organisation id"
    API_KEY_PREFIX = "api_key_prefix", "API key prefix"
    PROXY_PROVIDER = "proxy_provider", "Proxy provider"


class Account(models.Model):
    """A customer account of the lab's platform under suspicion."""

    external_id = models.CharField(max_length=200, unique=True)
    name = models.CharField(max_length=200, blank=True)
    email = models.CharField(max_length=320, blank=True)
    organisation = models.CharField(max_length=200, blank=True)
    signup_at = models.DateTimeField(null=True, blank=True)
    country = models.CharField(max_length=2, blank=True)
    platform_status = models.CharField(
        max_length=10, choices=PlatformStatus.choices, default=PlatformStatus.ACTIVE
    )
    first_seen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(platform_status__in=PlatformStatus.values),
                name="account_platform_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.external_id


class AccountAttribute(models.Model):
    # No index of its own: the unique (account, type, value) leads with it. No constraint in
    # the database either, like the other relations ingestion writes by the thousand (see
    # detection.models.HOT_PATH_FK): a trigger deletes an account's attributes with it
    # (migration 0006), and `verify_integrity` reports any orphan.
    account = models.ForeignKey(
        Account,
        on_delete=models.CASCADE,
        related_name="attributes",
        db_index=False,
        db_constraint=False,
    )
    type = models.CharField(max_length=30, choices=AttributeType.choices)
    value = models.CharField(max_length=500)
    first_seen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "type", "value"], name="account_attr_unique"
            ),
            models.CheckConstraint(
                condition=Q(type__in=AttributeType.values), name="account_attr_type_valid"
            ),
            models.CheckConstraint(condition=~Q(value=""), name="account_attr_value_nonempty"),
        ]
        # With the account id in the index, a full recompute groups values by an index-only
        # scan in index order instead of sorting every attribute.
        indexes = [
            models.Index(fields=["type", "value", "account"], name="account_attr_type_value_acct")
        ]

    def __str__(self) -> str:
        return f"{self.type}={self.value}"


class CaseAccountRole(models.TextChoices):
    PRIMARY_SUSPECT = "primary_suspect", "Primary suspect"
    LINKED = "linked", "Linked"
    PAYER = "payer", "Payer"
    PROXY_RESELLER = "proxy_reseller", "Proxy / reseller"


class Enforcement(models.TextChoices):
    NONE = "none", "None"
    REQUESTED = "requested", "Requested"
    SUSPENDED = "suspended", "Suspended"
    BANNED = "banned", "Banned"


class CaseAccount(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="case_accounts")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="case_links")
    role = models.CharField(
        max_length=20, choices=CaseAccountRole.choices, default=CaseAccountRole.LINKED
    )
    enforcement = models.CharField(
        max_length=12, choices=Enforcement.choices, default=Enforcement.NONE
    )
    enforcement_updated_at = models.DateTimeField(null=True, blank=True)
    enforcement_updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "account"], name="case_account_unique"),
            models.CheckConstraint(
                condition=Q(role__in=CaseAccountRole.values), name="case_account_role_valid"
            ),
            models.CheckConstraint(
                condition=Q(enforcement__in=Enforcement.values),
                name="case_account_enforcement_valid",
            ),
        ]
        indexes = [models.Index(fields=["account"], name="case_account_account")]


class LinkStrength(models.TextChoices):
    STRONG = "strong", "Strong"
    MEDIUM = "medium", "Medium"
    WEAK = "weak", "Weak"


# Strong and medium links make clusters; weak links are shown but never cluster accounts.
CLUSTERING_STRENGTHS = (LinkStrength.STRONG, LinkStrength.MEDIUM)
DEFAULT_HUB_THRESHOLD = 500
DEFAULT_STRENGTHS = {
    AttributeType.PAYMENT_FINGERPRINT: LinkStrength.STRONG,
    AttributeType.DEVICE_FINGERPRINT: LinkStrength.STRONG,
    AttributeType.IP: LinkStrength.MEDIUM,
    AttributeType.PHONE: LinkStrength.MEDIUM,
    AttributeType.ORG_ID: LinkStrength.MEDIUM,
    AttributeType.ASN: LinkStrength.WEAK,
    AttributeType.EMAIL_DOMAIN: LinkStrength.WEAK,
    AttributeType.PROXY_PROVIDER: LinkStrength.WEAK,
    AttributeType.API_KEY_PREFIX: LinkStrength.WEAK,
}


class AttributeWeight(models.Model):
    """How precise a shared value of this attribute type is, and from how many holders on a
    value stops linking (a hub). One row per type, seeded by a data migration; admins edit it."""

    type = models.CharField(max_length=30, choices=AttributeType.choices, primary_key=True)
    strength = models.CharField(max_length=6, choices=LinkStrength.choices)
    hub_threshold = models.PositiveIntegerField(
        default=DEFAULT_HUB_THRESHOLD,
        help_text="A value shared by more than this many accounts is a hub and links nobody.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["type"]
        constraints = [
            models.CheckConstraint(
                condition=Q(strength__in=LinkStrength.values), name="attr_weight_strength_valid"
            ),
            models.CheckConstraint(
                condition=Q(hub_threshold__gte=2), name="attr_weight_hub_threshold_ge_2"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type}: {self.strength}, hub above {self.hub_threshold}"


class Cluster(models.Model):
    """A connected group of accounts over strong and medium links, hubs excluded. Its id
    survives recomputation when it keeps most of its members; a cluster that loses all of them
    (merged into another, or split away) is dissolved, never deleted, so history keeps pointing
    somewhere."""

    size = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    dissolved_at = models.DateTimeField(null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(dissolved_at__isnull=True) | Q(size=0),
                name="cluster_dissolved_is_empty",
            ),
        ]
        indexes = [models.Index(fields=["-size"], name="cluster_size")]

    def __str__(self) -> str:
        return f"C-{self.pk}"

    @property
    def label(self) -> str:
        return f"C-{self.pk}"


class ClusterMember(models.Model):
    """Which cluster an account belongs to. The account is the primary key: one cluster per
    account, whatever two concurrent updates try."""

    account = models.OneToOneField(
        Account, primary_key=True, on_delete=models.CASCADE, related_name="cluster_membership"
    )
    cluster = models.ForeignKey(Cluster, on_delete=models.PROTECT, related_name="memberships")
    # When the account joined this cluster; the database fills it in for a row loaded without
    # it (a full recompute loads the accounts that moved without a date, see clustering).
    since = models.DateTimeField(db_default=TransactionNow())


RecomputeStatus = JobStatus


class ClusterRecompute(models.Model):
    """One full recomputation of the clusters, run in the background with visible progress. A
    running job whose worker died is run again by the next delivery of its task."""

    status = models.CharField(
        max_length=8, choices=RecomputeStatus.choices, default=RecomputeStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(default=0)
    phase = models.CharField(max_length=100, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    stats = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # When the recovery sweep last published the job again (ops/recovery.py); a new attempt
    # clears it.
    requeued_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="cluster_recompute_progress_le_100"
            ),
            models.CheckConstraint(
                condition=Q(status__in=RecomputeStatus.values),
                name="cluster_recompute_status_valid",
            ),
        ]


def effective_weights() -> dict[str, AttributeWeight]:
    """The weight of every attribute type: the admins' row where there is one, else the
    default (rows are seeded by a migration, but a flushed test database has none)."""
    rows = {w.type: w for w in AttributeWeight.objects.all()}
    return {
        t: rows.get(t) or AttributeWeight(type=t, strength=DEFAULT_STRENGTHS[t])
        for t in AttributeType.values
    }
