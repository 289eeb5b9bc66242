from django.contrib import admin

from cases.selectors import cases_visible_to
from core.admin import ReadOnlyAdmin

from .models import Export


@admin.register(Export)
class ExportAdmin(ReadOnlyAdmin):
    """Read-only: exports change only through exports.services."""

    list_display = ("pk", "case", "status", "progress", "requested_by_label", "created_at")
    list_filter = ("status",)
    readonly_fields = [f.name for f in Export._meta.fields]

    def get_queryset(self, request):
        # Need-to-know holds in the admin too: a restricted case's exports are for its members.
        return super().get_queryset(request).filter(case__in=cases_visible_to(request.user))
