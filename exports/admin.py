from django.contrib import admin

from cases.selectors import cases_visible_to

from .models import Export


@admin.register(Export)
class ExportAdmin(admin.ModelAdmin):
    """Read-only: exports change only through exports.services."""

    list_display = ("pk", "case", "status", "progress", "requested_by_label", "created_at")
    list_filter = ("status",)
    readonly_fields = [f.name for f in Export._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        # Need-to-know holds in the admin too: a restricted case's exports are for its members.
        return super().get_queryset(request).filter(case__in=cases_visible_to(request.user))
