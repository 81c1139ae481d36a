"""Bug triage in the console: the program's reports a page at a time, one report with its
events and attachments, status changes and comments. Any staff role of the program sees
them; program managers and admins triage."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from accessprogram.console.permissions import staff_required
from accessprogram.feedback import bugs as bug_services
from accessprogram.feedback import selectors
from accessprogram.feedback.board_forms import BugToBoardForm
from accessprogram.feedback.downloads import attachment_response
from accessprogram.feedback.forms import StaffCommentForm, TriageForm
from accessprogram.feedback.models import BoardItem, BugAttachment, BugReport
from accessprogram.feedback.services import FeedbackError

from .views import _acting, _can_act, _viewing

BUGS_PER_PAGE = 50


@staff_required
@require_GET
def bug_list(request, slug):
    program = _viewing(request, slug)
    status = request.GET.get("status", "")
    severity = request.GET.get("severity", "")
    status = status if status in BugReport.Status.values else ""
    severity = severity if severity in dict(BugReport._meta.get_field("severity").choices) else ""
    return render(
        request,
        "console/feedback/bugs.html",
        {
            "program": program,
            "bugs": Paginator(
                selectors.program_bugs(program=program, status=status, severity=severity).order_by(
                    "-created_at", "-id"
                ),
                BUGS_PER_PAGE,
            ).get_page(request.GET.get("page")),
            "statuses": BugReport.Status.choices,
            "severities": BugReport._meta.get_field("severity").choices,
            "status_filter": status,
            "severity_filter": severity,
        },
    )


def _bug(program, bug_id) -> BugReport:
    return get_object_or_404(
        BugReport.objects.select_related("reporter", "duplicate_of", "generation", "program"),
        pk=bug_id,
        program=program,
    )


def _bug_page(request, program, bug, *, triage_form=None, comment_form=None, status=200):
    return render(
        request,
        "console/feedback/bug.html",
        {
            "program": program,
            "bug": bug,
            "events": bug.events.select_related("author"),
            "attachments": bug.attachments.all(),
            "triage_form": triage_form
            or TriageForm(initial={"status": bug.status, "duplicate_of": bug.duplicate_of_id}),
            "comment_form": comment_form or StaffCommentForm(),
            "board_item": BoardItem.objects.filter(bug=bug).first(),
            "board_form": BugToBoardForm(initial={"title": bug.title}),
            "can_act": _can_act(request, program),
            "show_reporter": True,
        },
        status=status,
    )


@staff_required
@require_GET
def bug_page(request, slug, bug_id):
    program = _viewing(request, slug)
    return _bug_page(request, program, _bug(program, bug_id))


@staff_required
@require_POST
def bug_status(request, slug, bug_id):
    program = _acting(request, slug)
    bug = _bug(program, bug_id)
    form = TriageForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        original = None
        if data["status"] == BugReport.Status.DUPLICATE:
            original = BugReport.objects.filter(pk=data["duplicate_of"], program=program).first()
            if original is None:
                form.add_error("duplicate_of", "Name a report of this program.")
        if not form.errors:
            try:
                bug_services.change_status(
                    bug=bug,
                    status=data["status"],
                    duplicate_of=original,
                    note=data["note"],
                    severity=data["severity"],
                    actor=request.user,
                )
            except FeedbackError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, "The status is changed; the reporter is told by email.")
                return redirect("console:feedback-bug", slug=slug, bug_id=bug.pk)
    return _bug_page(request, program, bug, triage_form=form, status=422)


@staff_required
@require_POST
def bug_comment(request, slug, bug_id):
    program = _acting(request, slug)
    bug = _bug(program, bug_id)
    form = StaffCommentForm(request.POST)
    if form.is_valid():
        try:
            bug_services.add_comment(
                bug=bug,
                author=request.user,
                body=form.cleaned_data["body"],
                internal=form.cleaned_data["internal"],
                by_staff=True,
            )
        except FeedbackError as error:
            form.add_error("body", str(error))
        else:
            messages.success(
                request,
                "Internal note added."
                if form.cleaned_data["internal"]
                else "Comment added; the reporter is told by email.",
            )
            return redirect("console:feedback-bug", slug=slug, bug_id=bug.pk)
    return _bug_page(request, program, bug, comment_form=form, status=422)


@staff_required
@require_GET
def bug_attachment(request, slug, bug_id, attachment_id):
    program = _viewing(request, slug)
    bug = _bug(program, bug_id)
    return attachment_response(get_object_or_404(BugAttachment, pk=attachment_id, bug=bug))
