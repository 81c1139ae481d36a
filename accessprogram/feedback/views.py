"""Tester pages: feedback forms, quick ratings of outputs, bug reports.

Every page needs a signed-in user and shows only their own things (others' answer 404). A tester
whose access to the program is blocked sees why (403), as on the generation pages."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accessprogram.access.pages import notice_instead_of_content, refuse_if_blocked
from accessprogram.access.selectors import usable_tester_memberships
from accessprogram.programs.view_access import tester_view
from generation.selectors import visible_generations

from . import bugs, selectors, services
from .answers import AnswersInvalid, output_choices
from .downloads import attachment_response
from .forms import BugReportForm, CommentForm, QuickRatingForm
from .models import BugAttachment, BugReport, Question
from .templatetags.feedback_tags import generation_done


@tester_view
@require_GET
def index(request):
    rows = selectors.forms_for_tester(user=request.user)
    return render(
        request,
        "feedback/index.html",
        {
            "open_forms": [r for r in rows if r.phase == "open"],
            "upcoming_forms": [r for r in rows if r.phase == "upcoming"],
            "past_forms": [r for r in rows if r.phase == "closed"][::-1],
            "bugs": selectors.bugs_of(user=request.user)[:100],
            "can_report": bool(usable_tester_memberships(user=request.user)),
        },
    )


# --- Forms ------------------------------------------------------------------------------------


def _raw_answers(post, questions) -> dict[int, object]:
    raw = {}
    for question in questions:
        key = f"q{question.pk}"
        if question.kind == Question.Kind.MULTIPLE:
            raw[question.pk] = post.getlist(key)
        elif key in post:
            raw[question.pk] = post.get(key)
    return raw


@tester_view
@notice_instead_of_content
@require_http_methods(["GET", "POST"])
def form_page(request, form_id):
    found = selectors.form_for_tester(user=request.user, form_id=form_id)
    if found is None:
        raise Http404("No such form.")
    form, membership = found
    refuse_if_blocked(user=request.user, program_id=form.program_id)
    questions = list(form.questions.all())
    response = selectors.response_of(form=form, membership=membership)
    values = selectors.answers_by_question(response)
    errors, error, status = {}, None, 200
    if request.method == "POST":
        raw = _raw_answers(request.POST, questions)
        try:
            services.submit_response(form=form, membership=membership, raw=raw)
        except services.FeedbackError as refused:
            error, status = str(refused), 409
        except AnswersInvalid as invalid:
            errors, status = invalid.errors, 422
            error = "Some answers need attention; nothing was saved."
            values = raw
        else:
            messages.success(
                request,
                "Your answers are saved. You can change them until the form closes."
                if response is None
                else "Your changes are saved.",
            )
            return redirect("feedback:form", form_id=form.pk)
    phase = form.phase()
    has_outputs = any(q.kind == Question.Kind.OUTPUT for q in questions)
    return render(
        request,
        "feedback/form.html",
        {
            "form": form,
            "phase": phase,
            "editable": phase == "open" and membership.is_active,
            "response": response,
            "rows": [
                {"question": q, "value": values.get(q.pk), "error": errors.get(q.pk)}
                for q in questions
            ],
            "outputs": list(output_choices(membership=membership)[:200]) if has_outputs else [],
            "error": error,
        },
        status=status,
    )


# --- Quick ratings ----------------------------------------------------------------------------


def _rating_card(request, generation, *, form=None, saved=False, status=200):
    if not generation_done(generation):
        # Still rendering: a placeholder that asks again; after a failure, nothing (286 stops
        # htmx polling).
        context = {"generation": generation, "waiting": generation.is_active, "show": False}
        return render(
            request,
            "feedback/_quick_rating.html",
            context,
            status=200 if generation.is_active else 286,
        )
    context = {
        "generation": generation,
        "rating": selectors.quick_rating_of(generation=generation, user=request.user),
        "form": form if not saved else None,
        "saved": saved,
        "show": True,
    }
    return render(request, "feedback/_quick_rating.html", context, status=status)


@tester_view
@notice_instead_of_content
@require_http_methods(["GET", "POST"])
def rate_video(request, public_id):
    """The quick-rating card of the video page: GET polls for it while the video renders,
    POST saves a rating (from htmx, or as a plain form)."""
    generation = get_object_or_404(visible_generations(user=request.user), public_id=public_id)
    refuse_if_blocked(user=request.user, program_id=generation.program_id)
    if request.method == "GET":
        return _rating_card(request, generation)
    form = QuickRatingForm(request.POST)
    status, saved = 200, False
    if form.is_valid():
        try:
            services.rate_output(
                generation=generation,
                tester=request.user,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            )
        except services.FeedbackError as refused:
            form.add_error(None, str(refused))
            status = 409
        else:
            saved = True
    else:
        status = 422
    if not request.htmx:
        if saved:
            messages.success(request, "Thanks: your rating is saved.")
        else:
            messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect("portal:video", public_id=public_id)
    if status == 409:  # e.g. not completed: show the refusal in the card
        context = {"generation": generation, "rating": None, "form": form, "show": True}
        return render(request, "feedback/_quick_rating.html", context, status=status)
    return _rating_card(request, generation, form=form, saved=saved, status=status)


# --- Bug reports ------------------------------------------------------------------------------


@tester_view
@require_http_methods(["GET", "POST"])
def bug_new(request):
    memberships = usable_tester_memberships(user=request.user)
    if not memberships:
        return render(request, "feedback/bug_new.html", {"form": None}, status=403)
    initial = {"generation": request.GET.get("video", "")}
    form = BugReportForm(
        request.POST or None,
        request.FILES or None,
        memberships=memberships,
        user=request.user,
        initial=initial,
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                bug = bugs.file_bug(
                    membership=data["membership"],
                    title=data["title"],
                    steps=data["steps"],
                    expected=data["expected"],
                    actual=data["actual"],
                    severity=data["severity"],
                    generation=data["generation"],
                    files=data["attachments"],
                )
            except services.FeedbackError as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(request, f"Bug #{bug.pk} is filed. The team will triage it.")
                return redirect("feedback:bug", bug_id=bug.pk)
        status = 422
    return render(request, "feedback/bug_new.html", {"form": form}, status=status)


def _own_bug(request, bug_id) -> BugReport:
    bug = get_object_or_404(selectors.bugs_of(user=request.user), pk=bug_id)
    refuse_if_blocked(user=request.user, program_id=bug.program_id)
    return bug


def _bug_page(request, bug, *, comment_form=None, status=200):
    return render(
        request,
        "feedback/bug.html",
        {
            "bug": bug,
            "events": selectors.visible_events(bug=bug),
            "attachments": bug.attachments.all(),
            "comment_form": comment_form or CommentForm(),
        },
        status=status,
    )


@tester_view
@notice_instead_of_content
@require_GET
def bug_page(request, bug_id):
    return _bug_page(request, _own_bug(request, bug_id))


@tester_view
@notice_instead_of_content
@require_POST
def bug_comment(request, bug_id):
    bug = _own_bug(request, bug_id)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            bugs.add_comment(
                bug=bug, author=request.user, body=form.cleaned_data["body"], by_staff=False
            )
        except services.FeedbackError as refused:
            form.add_error("body", str(refused))
        else:
            messages.success(request, "Your comment is added.")
            return redirect("feedback:bug", bug_id=bug.pk)
    return _bug_page(request, bug, comment_form=form, status=422)


@tester_view
@notice_instead_of_content
@require_GET
def bug_attachment(request, bug_id, attachment_id):
    bug = _own_bug(request, bug_id)
    attachment = get_object_or_404(BugAttachment, pk=attachment_id, bug=bug)
    return attachment_response(attachment)
