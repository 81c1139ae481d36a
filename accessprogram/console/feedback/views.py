"""Feedback in the console: form builder, results and CSV, quick ratings, bug triage.

Any staff role of a program sees its feedback; program managers and admins build forms and
triage bugs. Other programs' forms and bugs answer 404, like missing ones."""

from collections.abc import Iterable
from functools import partial

from django.contrib import messages
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accessprogram.console.permissions import (
    ACCESS_CONTROL_ROLES,
    program_for,
    programs_for,
    staff_required,
)
from accessprogram.feedback import bugs as bug_services
from accessprogram.feedback import figures, selectors
from accessprogram.feedback import services as feedback_services
from accessprogram.feedback.downloads import attachment_response
from accessprogram.feedback.forms import (
    FeedbackFormForm,
    QuestionForm,
    StaffCommentForm,
    TriageForm,
)
from accessprogram.feedback.models import BugAttachment, BugReport, FeedbackForm, Question
from accessprogram.feedback.services import FeedbackError
from accessprogram.programs.models import Program


def _viewing(request, slug):
    return program_for(request.user, slug)


def _acting(request, slug):
    return program_for(request.user, slug, roles=ACCESS_CONTROL_ROLES)


def _can_act(request, program) -> bool:
    return programs_for(request.user, roles=ACCESS_CONTROL_ROLES).filter(pk=program.pk).exists()


def _csv(lines: Iterable[str], filename: str) -> StreamingHttpResponse:
    """A CSV download streamed from `lines`: written while it is sent, never held whole."""
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@staff_required
@require_GET
def index(request):
    rows = []
    for program in programs_for(request.user):
        rows.append(
            {
                "program": program,
                "forms": FeedbackForm.objects.filter(program=program).count(),
                "new_bugs": BugReport.objects.filter(
                    program=program, status=BugReport.Status.NEW
                ).count(),
                "ratings": figures.quick_rating_summary(program=program),
            }
        )
    return render(request, "console/feedback/index.html", {"rows": rows})


@staff_required
@require_GET
def program_page(request, slug):
    program = _viewing(request, slug)
    forms = list(selectors.program_forms(program=program))
    rates = {form.pk: figures.response_rate(form=form) for form in forms}
    return render(
        request,
        "console/feedback/program.html",
        {
            "program": program,
            "forms": [(form, rates[form.pk]) for form in forms],
            "ratings": figures.quick_rating_summary(program=program),
            "bug_counts": figures.bug_counts(program=program),
            "can_act": _can_act(request, program),
        },
    )


# --- Form builder -----------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def form_new(request, slug):
    program = _acting(request, slug)
    form = FeedbackFormForm(request.POST or None, program=program)
    if request.method == "POST" and form.is_valid():
        try:
            created = feedback_services.create_form(
                program=program, actor=request.user, **form.cleaned_data
            )
        except FeedbackError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "The form is created as a draft. Add its questions.")
            return redirect("console:feedback-form", slug=slug, form_id=created.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request, "console/feedback/form_new.html", {"program": program, "form": form}, status=status
    )


def _feedback_form(program, form_id) -> FeedbackForm:
    return get_object_or_404(
        FeedbackForm.objects.select_related("cohort"), pk=form_id, program=program
    )


def _questions_context(program, feedback_form, *, error=None, question_form=None) -> dict:
    return {
        "program": program,
        "feedback_form": feedback_form,
        "questions": feedback_form.questions.all(),
        "has_answers": feedback_form.responses.exists(),
        "question_form": question_form or QuestionForm(),
        "kinds": Question.Kind.choices,
        "error": error,
    }


def _questions_partial(request, program, feedback_form, *, status=200, **kwargs):
    context = _questions_context(program, feedback_form, **kwargs)
    if request.htmx:
        return render(request, "console/feedback/_questions.html", context, status=status)
    if kwargs.get("error"):
        messages.error(request, kwargs["error"])
    return redirect("console:feedback-form", slug=program.slug, form_id=feedback_form.pk)


@staff_required
@require_http_methods(["GET", "POST"])
def form_edit(request, slug, form_id):
    program = _acting(request, slug)
    feedback_form = _feedback_form(program, form_id)
    initial = {
        "title": feedback_form.title,
        "description": feedback_form.description,
        "cohort": feedback_form.cohort,
        "opens_at": feedback_form.opens_at,
        "closes_at": feedback_form.closes_at,
    }
    form = FeedbackFormForm(request.POST or None, program=program, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                feedback_services.update_form(
                    form=feedback_form, actor=request.user, **form.cleaned_data
                )
            except FeedbackError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, "The form is saved.")
                return redirect("console:feedback-form", slug=slug, form_id=feedback_form.pk)
        status = 422
    context = _questions_context(program, feedback_form)
    context["form"] = form
    return render(request, "console/feedback/form_edit.html", context, status=status)


@staff_required
@require_POST
def question_add(request, slug, form_id):
    program = _acting(request, slug)
    feedback_form = _feedback_form(program, form_id)
    question_form = QuestionForm(request.POST)
    error = "Check the new question."
    if question_form.is_valid():
        try:
            feedback_services.add_question(
                form=feedback_form, actor=request.user, **question_form.cleaned_data
            )
        except FeedbackError as refused:
            error = str(refused)
        else:
            return _questions_partial(request, program, feedback_form)
    return _questions_partial(
        request, program, feedback_form, status=422, question_form=question_form, error=error
    )


def _question(request, slug, form_id, question_id) -> tuple[Program, FeedbackForm, Question]:
    """The program the user acts in, and the form and question named in the URL."""
    program = _acting(request, slug)
    feedback_form = _feedback_form(program, form_id)
    return program, feedback_form, get_object_or_404(Question, pk=question_id, form=feedback_form)


def _question_changed(request, program, feedback_form, change):
    """Run `change()` and answer with the refreshed question list; a refusal is a 409."""
    try:
        change()
    except FeedbackError as error:
        return _questions_partial(request, program, feedback_form, status=409, error=str(error))
    return _questions_partial(request, program, feedback_form)


@staff_required
@require_POST
def question_edit(request, slug, form_id, question_id):
    program, feedback_form, question = _question(request, slug, form_id, question_id)
    question_form = QuestionForm(request.POST)
    if not question_form.is_valid():
        return _questions_partial(
            request, program, feedback_form, status=422, error="Check the question's fields."
        )
    update = partial(
        feedback_services.update_question,
        question=question,
        actor=request.user,
        **question_form.cleaned_data,
    )
    return _question_changed(request, program, feedback_form, update)


@staff_required
@require_POST
def question_move(request, slug, form_id, question_id):
    program, feedback_form, question = _question(request, slug, form_id, question_id)
    offset = -1 if request.POST.get("direction") == "up" else 1
    feedback_services.move_question(question=question, offset=offset, actor=request.user)
    return _questions_partial(request, program, feedback_form)


@staff_required
@require_POST
def question_remove(request, slug, form_id, question_id):
    program, feedback_form, question = _question(request, slug, form_id, question_id)
    remove = partial(feedback_services.remove_question, question=question, actor=request.user)
    return _question_changed(request, program, feedback_form, remove)


@staff_required
@require_POST
def form_publish(request, slug, form_id):
    program = _acting(request, slug)
    feedback_form = _feedback_form(program, form_id)
    try:
        feedback_services.publish_form(form=feedback_form, actor=request.user)
    except FeedbackError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"“{feedback_form.title}” is published.")
    return redirect("console:feedback-form", slug=slug, form_id=feedback_form.pk)


# --- Results ----------------------------------------------------------------------------------


@staff_required
@require_GET
def form_results(request, slug, form_id):
    program = _viewing(request, slug)
    feedback_form = _feedback_form(program, form_id)
    responses, eligible, percent = figures.response_rate(form=feedback_form)
    return render(
        request,
        "console/feedback/results.html",
        {
            "program": program,
            "feedback_form": feedback_form,
            "responses": responses,
            "eligible": eligible,
            "percent": percent,
            "figures": figures.question_figures(form=feedback_form),
            "can_act": _can_act(request, program),
        },
    )


@staff_required
@require_GET
def form_csv(request, slug, form_id):
    program = _viewing(request, slug)
    feedback_form = _feedback_form(program, form_id)
    return _csv(
        figures.responses_csv(form=feedback_form),
        f"{program.slug}-form-{feedback_form.pk}-responses.csv",
    )


# --- Bugs -------------------------------------------------------------------------------------


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
            "bugs": selectors.program_bugs(program=program, status=status, severity=severity)[:500],
            "statuses": BugReport.Status.choices,
            "severities": BugReport._meta.get_field("severity").choices,
            "status_filter": status,
            "severity_filter": severity,
        },
    )


@staff_required
@require_GET
def bugs_csv(request, slug):
    program = _viewing(request, slug)
    return _csv(
        [figures.bugs_csv(bugs=selectors.program_bugs(program=program))],
        f"{program.slug}-bug-reports.csv",
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
