from django.contrib import admin

from accessprogram.audit.admin import ReadOnlyAdmin

from .models import (
    Agreement,
    AgreementAcceptance,
    Application,
    ApplicationQuestion,
    Cohort,
    Invitation,
    Membership,
    Program,
    TesterProfile,
)


class MembershipInline(admin.TabularInline):
    """Shown, not edited: roles change in the console (access.policy, audited)."""

    model = Membership
    extra = 0
    raw_id_fields = ["user"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "status", "daily_generation_quota", "running_jobs_per_tester"]
    list_filter = ["status"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    """Read-only: roles and status change in the console, which checks who may grant what
    (access.policy) and writes the audit trail."""

    list_display = ["user", "program", "cohort", "role", "status", "joined_at"]
    list_filter = ["program", "cohort", "role", "status"]
    search_fields = ["user__email", "user__username"]
    raw_id_fields = ["user"]


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = ["name", "program", "starts_on", "ends_on", "daily_generation_quota"]
    list_filter = ["program"]
    search_fields = ["name"]


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    list_display = ["program", "version", "title", "published_at", "published_by"]
    list_filter = ["program"]
    readonly_fields = ["version", "published_at", "published_by"]

    # Published text is what testers accepted: publish a new version in the console instead.
    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(AgreementAcceptance)
class AgreementAcceptanceAdmin(admin.ModelAdmin):
    list_display = ["user", "agreement", "accepted_at", "ip_address"]
    list_filter = ["agreement__program"]
    search_fields = ["user__email"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = [
        "email",
        "program",
        "cohort",
        "status",
        "expires_at",
        "send_count",
        "created_at",
    ]
    list_filter = ["program", "status"]
    search_fields = ["email", "name"]
    # Created, resent and revoked through the console (services write the audit log).
    readonly_fields = [f.name for f in Invitation._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(ApplicationQuestion)
class ApplicationQuestionAdmin(admin.ModelAdmin):
    list_display = ["label", "program", "kind", "required", "position"]
    list_filter = ["program", "kind"]


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ["email", "name", "program", "status", "submitted_at", "decided_at"]
    list_filter = ["program", "status"]
    search_fields = ["email", "name"]
    # Decided in the console's queue (accepting sends an invitation; both are audited).
    readonly_fields = [f.name for f in Application._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(TesterProfile)
class TesterProfileAdmin(admin.ModelAdmin):
    list_display = ["display_name", "user", "timezone", "updated_at"]
    search_fields = ["display_name", "user__email"]
    raw_id_fields = ["user"]
