"""Raw access records. Tokens and leak alerts are read-only here: the console's services change
them and write the audit trail. Anomaly policies have no console page, so the admin's changes
go through a service that records them."""

from django.contrib import admin

from accessprogram.audit.admin import ReadOnlyAdmin

from .models import AnomalyPolicy, ApiToken, LeakAlert, LeakReport
from .policies import delete_anomaly_policy, save_anomaly_policy


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = [
        "display_prefix",
        "name",
        "membership",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["membership__program"]
    search_fields = ["display_prefix", "name", "membership__user__email"]
    readonly_fields = ["digest", "display_prefix", "created_at", "last_used_at"]
    raw_id_fields = ["membership"]


@admin.register(AnomalyPolicy)
class AnomalyPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "program",
        "enabled",
        "window_seconds",
        "max_addresses",
        "max_requests",
        "max_user_agents",
        "updated_at",
    ]
    list_filter = ["enabled"]
    raw_id_fields = ["program"]

    def save_model(self, request, obj, form, change):
        save_anomaly_policy(policy=obj, changed=form.changed_data, actor=request.user)

    def delete_model(self, request, obj):
        delete_anomaly_policy(policy=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for policy in queryset:
            delete_anomaly_policy(policy=policy, actor=request.user)


@admin.register(LeakReport)
class LeakReportAdmin(admin.ModelAdmin):
    list_display = ["token", "program", "url", "source", "outcome", "status", "reported_at"]
    list_filter = ["status", "outcome", "program"]
    search_fields = ["token__display_prefix", "url", "token__membership__user__email"]
    raw_id_fields = ["token", "program", "handled_by"]
    readonly_fields = ["token", "program", "url", "source", "outcome", "reported_at"]


@admin.register(LeakAlert)
class LeakAlertAdmin(ReadOnlyAdmin):
    list_display = ["token", "program", "kind", "status", "resolution", "detected_at"]
    list_filter = ["status", "kind", "program"]
    search_fields = ["token__display_prefix", "token__membership__user__email"]
    raw_id_fields = ["token", "program", "suspension", "acknowledged_by", "resolved_by"]
    readonly_fields = ["token", "program", "kind", "evidence", "detected_at", "suspension"]
