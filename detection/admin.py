"""Admins manage detectors (tokens, feeds, health) and the routing thresholds here."""

from django.contrib import admin, messages
from django.db import models
from django.db.models import Q
from django.utils import timezone

from cases.selectors import cases_visible_to
from core.admin import ReadOnlyAdmin

from .feeds import feed_health
from .models import Detector, DetectorMode, FeedPoll, RejectedSignal, RoutingSettings, Signal
from .services import detector_token_revoke, detector_token_rotate, token_set


class FeedPollInline(admin.TabularInline):
    model = FeedPoll
    extra = 0
    max_num = 0
    can_delete = False
    ordering = ["-at"]
    fields = ["at", "cursor_before", "cursor_after", "created", "duplicates", "rejected", "error"]
    readonly_fields = fields

    detector: Detector | None = None

    def get_queryset(self, request):
        # The last 20 polls of this detector, not its whole history.
        recent = FeedPoll.objects.filter(detector=self.detector).order_by("-at")
        ids = list(recent.values_list("id", flat=True)[:20])
        return super().get_queryset(request).filter(id__in=ids)


@admin.register(Detector)
class DetectorAdmin(admin.ModelAdmin):
    # A feed URL typed without a scheme is taken as https (Django 6's default; 5.2 warns until
    # a form says which).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = [
        "name",
        "mode",
        "enabled",
        "token_prefix",
        "token_state",
        "last_success_at",
        "last_error_at",
        "lag",
        "items_per_minute",
    ]
    list_filter = ["mode", "enabled"]
    search_fields = ["name", "token_prefix"]
    actions = ["rotate_token", "revoke_token"]
    readonly_fields = [
        "token_prefix",
        "token_revoked_at",
        "feed_cursor",
        "last_success_at",
        "last_error_at",
        "last_error",
        "health",
        "created_at",
    ]
    exclude = ["token_hash"]
    inlines = [FeedPollInline]

    def get_inline_instances(self, request, obj=None):
        inlines = super().get_inline_instances(request, obj)
        for inline in inlines:
            inline.detector = obj
        return inlines

    @admin.display(description="token")
    def token_state(self, obj: Detector) -> str:
        if obj.token_hash is None:
            return "none"
        return "revoked" if obj.token_revoked_at else "active"

    @admin.display(description="lag")
    def lag(self, obj: Detector) -> str:
        if obj.mode != DetectorMode.PULL:
            return "—"
        seconds = feed_health(obj)["lag_seconds"]
        return "never caught up" if seconds is None else f"{seconds:.0f}s"

    @admin.display(description="items/min")
    def items_per_minute(self, obj: Detector) -> str:
        if obj.mode != DetectorMode.PULL:
            return "—"
        return f"{feed_health(obj)['items_per_minute']:.0f}"

    @admin.display(description="feed health")
    def health(self, obj: Detector) -> str:
        if obj.pk is None or obj.mode != DetectorMode.PULL:
            return "—"
        h = feed_health(obj)
        return (
            f"lag {h['lag_seconds'] if h['lag_seconds'] is None else round(h['lag_seconds'])}s · "
            f"{h['items_per_minute']:.0f} items/min · {h['consecutive_failures']} failures in a "
            f"row · next poll {h['next_poll_at'] or 'as soon as beat runs'}"
        )

    def save_model(self, request, obj, form, change):
        token = None
        if not change:
            token = token_set(obj)
        super().save_model(request, obj, form, change)
        if token:
            messages.warning(request, f"Token for {obj.name} (shown once, copy it now): {token}")

    @admin.action(description="Rotate token (the new token is shown once)")
    def rotate_token(self, request, queryset):
        for detector in queryset:
            token = detector_token_rotate(detector=detector)
            messages.warning(
                request, f"New token for {detector.name} (shown once, copy it now): {token}"
            )

    @admin.action(description="Revoke token")
    def revoke_token(self, request, queryset):
        for detector in queryset:
            detector_token_revoke(detector=detector)
        messages.success(
            request, f"Revoked {queryset.count()} token(s) at {timezone.now():%H:%M:%S}."
        )


@admin.register(RoutingSettings)
class RoutingSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "strong_min_severity", "strong_min_confidence", "weak_case_score"]

    def has_add_permission(self, request) -> bool:
        return not RoutingSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RejectedSignal)
class RejectedSignalAdmin(admin.ModelAdmin):
    list_display = ["at", "detector", "external_id", "field", "message"]
    list_filter = ["detector"]
    readonly_fields = [f.name for f in RejectedSignal._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Signal)
class SignalAdmin(ReadOnlyAdmin):
    """Read-only: a signal routed to a case is part of its record; changing or deleting it here
    would bypass the case's audit trail."""

    list_display = [
        "external_id",
        "detector",
        "kind",
        "severity",
        "confidence",
        "observed_at",
        "case",
    ]
    list_filter = ["detector", "kind", "severity"]
    search_fields = ["external_id"]
    raw_id_fields = ["case"]
    show_full_result_count = False

    def get_queryset(self, request):
        # Need-to-know holds in the admin too: a restricted case's signals are for its members.
        visible = Q(case__isnull=True) | Q(case__in=cases_visible_to(request.user))
        return super().get_queryset(request).filter(visible)
