"""Onboarding pages of the console: agreements, invitations and applications of one program.

Program managers and admins of that program only; anyone else gets 404, like a missing page."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accessprogram.access import policy
from accessprogram.console.permissions import program_for, staff_required
from accessprogram.operations.models import BackgroundOperation
from accessprogram.operations.tasks import queue_invitation_import
from accessprogram.programs import applications, invitations
from accessprogram.programs.models import (
    Application,
    ApplicationQuestion,
    Cohort,
    Invitation,
)
from accessprogram.programs.services import OnboardingError

# Lists that grow with the program (invitations, testers yet to accept) are paged.
PER_PAGE = 50


def _managed_program(request, slug):
    return program_for(request.user, slug, roles=policy.MANAGER)


# --- Invitations ----------------------------------------------------------------------------


class InviteForm(forms.Form):
    name = forms.CharField(max_length=200, required=False)
    email = forms.EmailField()
    cohort = forms.ModelChoiceField(queryset=Cohort.objects.none(), required=False)

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, prefix="one", **kwargs)
        self.fields["cohort"].queryset = Cohort.objects.filter(program=program).select_related(
            "program"
        )


class CsvForm(forms.Form):
    file = forms.FileField(
        required=False, help_text="CSV with the columns name, email, cohort (a header is optional)."
    )
    text = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="csv", **kwargs)

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload is not None:
            if upload.size > MAX_CSV_BYTES:
                raise forms.ValidationError("The file is too large (at most 1 MB).")
            try:
                data["text"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError as error:
                raise forms.ValidationError("The file is not UTF-8 text.") from error
        if not data.get("text", "").strip():
            raise forms.ValidationError("Choose a CSV file.")
        return data


MAX_CSV_BYTES = 1_000_000


def _invitations_page(request, program, *, invite_form=None, csv_form=None, rows=None, status=200):
    invites = Invitation.objects.filter(program=program).select_related("cohort", "invited_by")
    status_filter = request.GET.get("status", "")
    if status_filter in Invitation.Status.values:
        invites = invites.with_effective_status(status_filter)
    return render(
        request,
        "console/onboarding/invitations.html",
        {
            "program": program,
            "invite_form": invite_form or InviteForm(program=program),
            "csv_form": csv_form or CsvForm(),
            "rows": rows,
            "rows_ok": rows is not None and rows and not any(r.errors for r in rows),
            "invitations": Paginator(invites.order_by("-created_at", "-pk"), PER_PAGE).get_page(
                request.GET.get("page")
            ),
            "statuses": Invitation.Status.values,
            "status_filter": status_filter,
            "operation": BackgroundOperation.objects.filter(
                program=program, kind=BackgroundOperation.Kind.INVITATION_IMPORT
            ).first(),
        },
        status=status,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def invitations_page(request, slug):
    program = _managed_program(request, slug)
    if request.method == "GET":
        return _invitations_page(request, program)
    form = InviteForm(request.POST, program=program)
    if form.is_valid():
        try:
            invitations.invite(
                program=program,
                email=form.cleaned_data["email"],
                name=form.cleaned_data["name"],
                cohort=form.cleaned_data["cohort"],
                actor=request.user,
            )
        except OnboardingError as error:
            form.add_error("email", str(error))
        else:
            messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
            return redirect("console:invitations", slug=program.slug)
    return _invitations_page(request, program, invite_form=form, status=422)


@staff_required
@require_POST
def invitations_csv(request, slug):
    """Upload → preview with per-row errors; confirm (the same text) → invite every row."""
    program = _managed_program(request, slug)
    form = CsvForm(request.POST, request.FILES)
    if not form.is_valid():
        return _invitations_page(request, program, csv_form=form, status=422)
    text = form.cleaned_data["text"]
    rows = invitations.check_csv(program=program, text=text)
    if request.POST.get("confirm") == "yes":
        bad = [row for row in rows if row.errors]
        if not rows or bad:
            form.add_error(
                None,
                f"{len(bad)} of {len(rows)} rows have errors; nothing was sent."
                if rows
                else "The file has no rows to invite.",
            )
        else:
            # Checked again, all or nothing, by the task (see operations.tasks).
            _, started = queue_invitation_import(program=program, text=text, actor=request.user)
            if started:
                messages.info(request, f"Inviting {len(rows)} people…")
            else:
                messages.warning(request, "An import is already running: wait for it to finish.")
            return redirect("console:invitations", slug=program.slug)
    bound = CsvForm(initial={"text": text})
    if form.errors:
        bound = form
    status = 422 if any(r.errors for r in rows) or form.errors else 200
    return _invitations_page(request, program, csv_form=bound, rows=rows, status=status)


def _invitation_of(request, slug, invitation_id):
    program = _managed_program(request, slug)
    return get_object_or_404(Invitation, pk=invitation_id, program=program)


@staff_required
@require_POST
def invitation_resend(request, slug, invitation_id):
    invitation = _invitation_of(request, slug, invitation_id)
    try:
        invitations.resend_invitation(invitation=invitation, actor=request.user)
    except OnboardingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"A new link was sent to {invitation.email}.")
    return redirect("console:invitations", slug=slug)


@staff_required
@require_POST
def invitation_revoke(request, slug, invitation_id):
    invitation = _invitation_of(request, slug, invitation_id)
    try:
        invitations.revoke_invitation(invitation=invitation, actor=request.user)
    except OnboardingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"The invitation of {invitation.email} is revoked.")
    return redirect("console:invitations", slug=slug)


# --- Applications ---------------------------------------------------------------------------


class QuestionForm(forms.ModelForm):
    class Meta:
        model = ApplicationQuestion
        fields = ["label", "help_text", "kind", "required"]


class DecideForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", "Accept"), ("decline", "Decline")])
    cohort = forms.ModelChoiceField(queryset=Cohort.objects.none(), required=False)
    message = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="Sent to the applicant when you decline.",
    )

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cohort"].queryset = Cohort.objects.filter(program=program).select_related(
            "program"
        )


@staff_required
@require_http_methods(["GET", "POST"])
def applications_page(request, slug):
    """The queue (oldest first), the questions, and the switch that opens the public page."""
    program = _managed_program(request, slug)
    question_form = QuestionForm(request.POST or None, prefix="q")
    if request.method == "POST":
        action = request.POST.get("action")
        if action in ("open", "close"):
            applications.set_applications_open(
                program=program, is_open=action == "open", actor=request.user
            )
            return redirect("console:applications", slug=slug)
        if action == "remove":
            question_id = request.POST.get("question", "")
            if not question_id.isdigit():
                raise Http404("No such question.")
            question = get_object_or_404(ApplicationQuestion, pk=question_id, program=program)
            applications.remove_question(question=question, actor=request.user)
            return redirect("console:applications", slug=slug)
        if question_form.is_valid():
            data = question_form.cleaned_data
            try:
                applications.add_question(program=program, actor=request.user, **data)
            except OnboardingError as error:
                question_form.add_error("label", str(error))
            else:
                return redirect("console:applications", slug=slug)
    status_filter = request.GET.get("status") or Application.Status.SUBMITTED
    return render(
        request,
        "console/onboarding/applications.html",
        {
            "program": program,
            "question_form": question_form,
            "questions": ApplicationQuestion.objects.filter(program=program),
            "applications": Application.objects.filter(program=program, status=status_filter)[:200],
            "statuses": Application.Status.values,
            "status_filter": status_filter,
        },
        status=422 if question_form.errors else 200,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def application_page(request, slug, application_id):
    program = _managed_program(request, slug)
    application = get_object_or_404(Application, pk=application_id, program=program)
    form = DecideForm(request.POST or None, program=program)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == "accept":
                applications.accept_application(
                    application=application, cohort=data["cohort"], actor=request.user
                )
                messages.success(
                    request, f"Accepted; an invitation is on its way to {application.email}."
                )
            else:
                applications.decline_application(
                    application=application, message=data["message"], actor=request.user
                )
                messages.success(request, f"Declined; {application.email} will be told.")
        except OnboardingError as error:
            form.add_error(None, str(error))
        else:
            return redirect("console:applications", slug=slug)
    return render(
        request,
        "console/onboarding/application.html",
        {"program": program, "application": application, "form": form},
        status=422 if form.errors else 200,
    )
