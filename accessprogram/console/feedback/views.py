"""Feedback in the console: overview, form builder, results and quick ratings (downloads in
exports.py, bug triage in bug_views.py).

Any staff role of a program sees its feedback; program managers and admins build forms and
triage bugs. Other programs' forms and bugs answer 404, like missing ones."""

from functools import partial

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accessprogram.access import policy
from accessprogram.console.permissions import program_for, staff_required
from accessprogram.feedback import figures, selectors
from accessprogram.feedback import services as feedback_services
from accessprogram.feedback.forms import FeedbackFormForm, QuestionForm
from accessprogram.feedback.models import BugReport, FeedbackForm, Question
from accessprogram.feedback.services import FeedbackError
from accessprogram.programs.models import Program


def _viewing(request, slug):
    return program_for(request.user, slug)


def _acting(request, slug):
    return program_for(request.user, slug, roles=policy.MANAGER)


def _can_act(request, program) -> bool:
    return policy.can_act_on_program(request.user, program.pk, roles=policy.MANAGER)


@staff_required
@require_GET
def index(request):
    rows = []
    for program in policy.staff_programs(request.user):
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
    rates = figures.response_rates(program=program, forms=forms)
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
