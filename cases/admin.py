"""The admin shows cases and their trail read-only: every change goes through the services,
which write the audit trail; the admin would bypass it."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import Case, CaseEvent


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ("number", "title", "severity", "state", "assignee", "restricted", "created_at")
    list_filter = ("state", "severity", "restricted")
    search_fields = ("number", "title", "summary")
    list_select_related = ("assignee",)
    ordering = ("-created_at", "-id")
    show_full_result_count = False

    def get_queryset(self, request):
        from .selectors import cases_visible_to

        return cases_visible_to(request.user)


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    list_display = ("case", "seq", "kind", "actor_label", "at")
    list_filter = ("kind",)
    list_select_related = ("case",)
    show_full_result_count = False

    def get_queryset(self, request):
        from .selectors import cases_visible_to

        return super().get_queryset(request).filter(case__in=cases_visible_to(request.user))
