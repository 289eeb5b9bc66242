from django.conf import settings
from django.db import models
from django.db.models import Q


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class Export(models.Model):
    """One legal bundle of one case."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="exports")
    status = models.CharField(
        max_length=8, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    options = models.JSONField(default=dict, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)
    current_item = models.CharField(max_length=500, blank=True)
    error = models.TextField(blank=True)
    file_name = models.CharField(max_length=300, blank=True)
    size = models.BigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="export_progress_le_100"),
            models.CheckConstraint(
                condition=~Q(status=ExportStatus.DONE) | ~Q(sha256=""),
                name="export_done_has_hash",
            ),
        ]
