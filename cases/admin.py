from django.contrib import admin

from .models import Case


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """Read-mostly: every change to a case goes through cases.services, never the admin form."""

    list_display = ("number", "title", "severity", "state", "assignee", "created_at")
    list_filter = ("state", "severity")
    search_fields = ("number", "title", "summary")
    list_select_related = ("assignee",)
    ordering = ("-created_at", "-id")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
