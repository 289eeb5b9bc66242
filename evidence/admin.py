from django.contrib import admin

from cases.selectors import cases_visible_to
from core.admin import ReadOnlyAdmin

from .models import CustodyEvent, Evidence


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = ("original_name", "case", "size", "content_type", "sha256", "uploaded_at")
    search_fields = ("original_name", "sha256")
    list_select_related = ("case",)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(case__in=cases_visible_to(request.user))


@admin.register(CustodyEvent)
class CustodyEventAdmin(ReadOnlyAdmin):
    list_display = ("evidence", "action", "actor_label", "at", "ip", "hash_matched")
    list_filter = ("action",)

    def get_queryset(self, request):
        return (
            super().get_queryset(request).filter(evidence__case__in=cases_visible_to(request.user))
        )
