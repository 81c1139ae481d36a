from django.contrib import admin

from .models import Cohort, Membership, Program


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "status", "daily_generation_quota", "running_jobs_per_tester"]
    list_filter = ["status"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "program", "cohort", "role", "status", "joined_at"]
    list_filter = ["program", "cohort", "role", "status"]
    search_fields = ["user__email", "user__username"]
    raw_id_fields = ["user"]


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = ["name", "program", "starts_on", "ends_on", "daily_generation_quota"]
    list_filter = ["program"]
    search_fields = ["name"]
