from django.contrib import admin

from accessprogram.audit.admin import ReadOnlyAdmin

from .models import BugAttachment, BugEvent, BugReport, FeedbackForm, FormResponse, QuickRating


@admin.register(FeedbackForm)
class FeedbackFormAdmin(ReadOnlyAdmin):
    list_display = ["title", "program", "cohort", "status", "opens_at", "closes_at"]
    list_filter = ["status"]
    list_select_related = ["program", "cohort"]


@admin.register(FormResponse)
class FormResponseAdmin(ReadOnlyAdmin):
    list_display = ["form", "membership", "submitted_at", "updated_at", "completed_at"]
    list_select_related = ["form", "membership__user", "membership__program"]


@admin.register(QuickRating)
class QuickRatingAdmin(ReadOnlyAdmin):
    list_display = ["generation", "tester", "program", "rating", "updated_at"]
    list_filter = ["rating"]
    list_select_related = ["generation", "tester", "program"]


class AttachmentInline(admin.TabularInline):
    model = BugAttachment
    fields = ["original_name", "content_type", "size", "sha256", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False


class EventInline(admin.TabularInline):
    model = BugEvent
    fields = ["created_at", "kind", "author", "from_status", "to_status", "internal", "body"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(BugReport)
class BugReportAdmin(ReadOnlyAdmin):
    list_display = ["id", "title", "program", "reporter", "severity", "status", "created_at"]
    list_filter = ["status", "severity"]
    search_fields = ["title"]
    list_select_related = ["program", "reporter"]
    inlines = [AttachmentInline, EventInline]
