from django.contrib import admin

from .models import Notification, ReviewDecision, ShareLink, ShareRequest


class ReviewDecisionInline(admin.TabularInline):
    model = ReviewDecision
    extra = 0
    can_delete = False
    readonly_fields = ["reviewer", "outcome", "reason_code", "note", "created_at"]


@admin.register(ShareRequest)
class ShareRequestAdmin(admin.ModelAdmin):
    # Changes go through review.services (leases, policy, audit); the admin only shows them.
    list_display = ["pk", "generation", "program", "requested_by", "status", "created_at"]
    list_filter = ["status", "program"]
    raw_id_fields = ["generation", "requested_by", "claimed_by", "resubmitted_from"]
    inlines = [ReviewDecisionInline]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ShareLink)
class ShareLinkAdmin(admin.ModelAdmin):
    list_display = ["pk", "share_request", "created_at", "expires_at", "revoked_at"]
    list_filter = ["revoked_at"]
    exclude = ["token"]
    raw_id_fields = ["share_request", "revoked_by"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["pk", "user", "kind", "title", "created_at", "read_at"]
    list_filter = ["kind"]
    raw_id_fields = ["user", "share_request"]

    def has_change_permission(self, request, obj=None):
        return False
