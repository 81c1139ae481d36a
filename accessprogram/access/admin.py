from django.contrib import admin

from .models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
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
