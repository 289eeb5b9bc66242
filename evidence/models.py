from django.conf import settings
from django.db import models
from django.db.models import Q


class Evidence(models.Model):
    """An immutable file attached to a case. The bytes live in the evidence storage under a key
    derived from their SHA-256, so the same file uploaded twice is stored once."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="evidence_items")
    sha256 = models.CharField(max_length=64)
    sha512 = models.CharField(max_length=128)
    size = models.BigIntegerField()
    content_type = models.CharField(max_length=200)
    original_name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    source = models.CharField(max_length=300, blank=True)
    collected_at = models.DateTimeField()
    collected_by = models.CharField(max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name_plural = "evidence"
        constraints = [
            models.UniqueConstraint(fields=["case", "sha256"], name="evidence_case_sha256_unique"),
            models.CheckConstraint(
                condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="evidence_sha256_hex"
            ),
            models.CheckConstraint(
                condition=Q(sha512__regex=r"^[0-9a-f]{128}$"), name="evidence_sha512_hex"
            ),
            models.CheckConstraint(condition=Q(size__gte=0), name="evidence_size_nonnegative"),
        ]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.sha256[:12]})"

    @property
    def storage_key(self) -> str:
        return storage_key_for(self.sha256)


def storage_key_for(sha256: str) -> str:
    return f"sha256/{sha256[:2]}/{sha256[2:4]}/{sha256}"


class CustodyAction(models.TextChoices):
    COLLECTED = "collected", "Collected"
    UPLOADED = "uploaded", "Uploaded"
    VIEWED = "viewed", "Viewed"
    DOWNLOADED = "downloaded", "Downloaded"
    VERIFIED = "verified", "Verified"
    EXPORTED = "exported", "Exported"


class CustodyEvent(models.Model):
    """Append-only (a trigger refuses UPDATE and DELETE): who touched the evidence, when, from
    where, and whether its bytes still matched the recorded hash."""

    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="custody")
    action = models.CharField(max_length=12, choices=CustodyAction.choices)
    actor_label = models.CharField(max_length=200)
    at = models.DateTimeField(auto_now_add=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    hash_matched = models.BooleanField(null=True)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=CustodyAction.values), name="custody_action_valid"
            ),
        ]


class EvidenceLink(models.Model):
    """Evidence of one case shown as evidence of another: what a merge moves (cases/merge.py).
    The item itself is immutable and stays where it was collected; the link is the move."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="evidence_links")
    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="links")
    merged_from = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    linked_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "evidence"], name="evidence_link_unique"),
        ]
