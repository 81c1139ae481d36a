from django.contrib import admin

from accessprogram.audit.admin import ReadOnlyAdmin

from .models import LedgerEntry, Payout, PayoutPeriod, RateCard, TimeLog


@admin.register(RateCard)
class RateCardAdmin(ReadOnlyAdmin):
    list_display = ["program", "version", "effective_from", "currency", "per_hour", "created_by"]
    list_filter = ["currency"]
    list_select_related = ["program", "created_by"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "membership", "kind", "amount", "currency", "memo"]
    list_filter = ["kind", "currency"]
    search_fields = ["idempotency_key", "memo"]
    list_select_related = ["membership__user", "membership__program"]
    show_full_result_count = False


@admin.register(TimeLog)
class TimeLogAdmin(ReadOnlyAdmin):
    list_display = ["membership", "started_at", "minutes", "status", "decided_by", "decided_at"]
    list_filter = ["status"]
    list_select_related = ["membership__user", "membership__program", "decided_by"]


@admin.register(PayoutPeriod)
class PayoutPeriodAdmin(ReadOnlyAdmin):
    list_display = ["program", "start", "end", "status", "minimum_hourly_rate", "closed_at"]
    list_filter = ["status"]
    list_select_related = ["program"]


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    list_display = ["id", "batch", "membership", "amount", "currency", "status", "decided_at"]
    list_filter = ["status", "currency"]
    list_select_related = ["batch__period__program", "membership__user", "membership__program"]
