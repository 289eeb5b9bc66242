from django.conf import settings
from django.db import models
from django.db.models import Q


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
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="attributes")
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
        indexes = [models.Index(fields=["type", "value"], name="account_attr_type_value")]

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
