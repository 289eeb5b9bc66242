from django.conf import settings
from django.db import models
from django.db.models import Q

from core.jobs import JobStatus

ExportStatus = JobStatus


class Export(models.Model):
    """One legal bundle of one case. `status` only moves queued → running → done | failed;
    a running export whose builder died is picked up again by the next delivery of its task,
    which the recovery sweep publishes if the broker does not deliver it again by itself."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="exports")
    status = models.CharField(
        max_length=8, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    # Null when an operator starts the export from the shell (`manage.py export_case`).
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_by_label = models.CharField(max_length=200, blank=True)
    options = models.JSONField(default=dict, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)
    current_item = models.CharField(max_length=500, blank=True)
    error = models.TextField(blank=True)
    file_name = models.CharField(max_length=300, blank=True)
    size = models.BigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    chain_head = models.CharField(max_length=64, blank=True)
    key_fingerprint = models.CharField(max_length=64, blank=True)
    payload_oxum = models.CharField(max_length=40, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # When the recovery sweep last published the build again (ops/recovery.py); a new attempt
    # clears it. It spaces the sweep's re-publishes of one export by its grace period.
    requeued_at = models.DateTimeField(null=True, blank=True)
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
            models.CheckConstraint(
                condition=Q(status__in=ExportStatus.values), name="export_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"export {self.pk} of case {self.case_id} ({self.status})"

    @property
    def metadata_only(self) -> bool:
        return bool(self.options.get("metadata_only"))

    @property
    def pseudonymise(self) -> bool:
        return bool(self.options.get("pseudonymise"))

    @property
    def is_finished(self) -> bool:
        return self.status in (ExportStatus.DONE, ExportStatus.FAILED)
