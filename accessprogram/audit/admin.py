from django.contrib import admin

from .models import AuditRecord


class ReadOnlyAdmin(admin.ModelAdmin):
    """Raw records to look at; changes go through services, which write the audit trail."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditRecord)
class AuditRecordAdmin(ReadOnlyAdmin):
    """Read-only: the chain (see audit.chain) would show any change made here anyway."""

    list_display = [
        "chain",
        "sequence",
        "occurred_at",
        "action",
        "target_type",
        "target_id",
        "actor",
        "hash_prefix",
    ]
    list_filter = ["action", "target_type"]
    search_fields = ["target_id", "action"]
    list_select_related = ["actor"]
    ordering = ["-id"]
    show_full_result_count = False  # skip a second COUNT(*) over the whole log
    fields = [
        "chain",
        "sequence",
        "occurred_at",
        "actor",
        "action",
        "target_type",
        "target_id",
        "data",
        "seal",
        "prev_hash",
        "hash",
    ]
    # The editable=False fields.
    readonly_fields = ["chain", "sequence", "occurred_at", "seal", "prev_hash", "hash"]

    @admin.display(description="hash")
    def hash_prefix(self, obj):
        return obj.hash[:12] or "(pending)"
