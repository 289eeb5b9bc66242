from django.contrib import admin

from core.admin import ReadOnlyAdmin
from core.roles import ADMIN, user_roles

from .models import Account, AttributeWeight, Cluster, ClusterRecompute
from .services import attribute_weight_set


@admin.register(AttributeWeight)
class AttributeWeightAdmin(admin.ModelAdmin):
    """Admins tune how precise each attribute type is; saving queues a full recompute."""

    list_display = ["type", "strength", "hub_threshold", "updated_at"]
    list_editable = ["strength", "hub_threshold"]
    readonly_fields = ["updated_at"]

    def has_add_permission(self, request) -> bool:
        return False  # one row per attribute type, seeded by a migration

    def has_change_permission(self, request, obj=None) -> bool:
        return ADMIN in user_roles(request.user)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        attribute_weight_set(
            user=request.user,
            type=obj.type,
            strength=obj.strength,
            hub_threshold=obj.hub_threshold,
        )


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    """Read-only: accounts come from the platform, and the account page is where people look.
    Its change page is the reference the account-page benchmark is timed against."""

    list_display = ["external_id", "name", "organisation", "platform_status", "signup_at"]
    search_fields = ["external_id"]
    readonly_fields = [f.name for f in Account._meta.fields]


@admin.register(Cluster)
class ClusterAdmin(admin.ModelAdmin):
    list_display = ["id", "size", "created_at", "updated_at", "dissolved_at"]
    readonly_fields = [f.name for f in Cluster._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(ClusterRecompute)
class ClusterRecomputeAdmin(admin.ModelAdmin):
    list_display = ["id", "status", "progress", "phase", "created_at", "finished_at"]
    readonly_fields = [f.name for f in ClusterRecompute._meta.fields]
