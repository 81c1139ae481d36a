"""The agreement pages of the console: write a draft, preview it against the current version,
publish it with a grace period or at once (the program's name typed to confirm).

Program managers and admins of that program only; anyone else gets 404."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accessprogram.access import policy
from accessprogram.console.permissions import program_for, staff_required
from accessprogram.programs import selectors as program_selectors
from accessprogram.programs.agreement_text import render_markdown, text_diff
from accessprogram.programs.models import AgreementDraft, Membership
from accessprogram.programs.services import (
    MAX_GRACE_DAYS,
    OnboardingError,
    discard_agreement_draft,
    publish_draft,
    save_agreement_draft,
)

PER_PAGE = 50  # testers yet to accept, per page
DEFAULT_GRACE_DAYS = 14


def _managed_program(request, slug):
    return program_for(request.user, slug, roles=policy.MANAGER)


class DraftForm(forms.Form):
    title = forms.CharField(max_length=200, initial="Program agreement")
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text="Markdown: **bold**, *italic*, lists, headings and links. HTML is shown as text.",
    )


class PublishForm(forms.Form):
    """Publish with a grace period, or at once with the program's name typed to confirm."""

    WHEN_CHOICES = [("grace", "With a grace period"), ("now", "Immediately")]
    when = forms.ChoiceField(choices=WHEN_CHOICES, widget=forms.RadioSelect, initial="grace")
    grace_days = forms.IntegerField(
        min_value=1,
        max_value=MAX_GRACE_DAYS,
        initial=DEFAULT_GRACE_DAYS,
        required=False,
        label="Grace period (days)",
        help_text="Testers keep their access this long, see a banner and get an email.",
    )
    confirm_name = forms.CharField(
        required=False,
        label="To publish immediately, type the program's name",
        help_text="Every tester who has not accepted loses portal and API access at once.",
    )

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.program = program

    def clean(self):
        data = super().clean()
        if data.get("when") == "now":
            if (data.get("confirm_name") or "").strip() != self.program.name:
                self.add_error("confirm_name", f"Type {self.program.name} exactly to confirm.")
            data["grace"] = 0
        elif data.get("when") == "grace":
            if not data.get("grace_days"):
                self.add_error("grace_days", "Give the grace period in days.")
            data["grace"] = data.get("grace_days") or 0
        return data


@staff_required
@require_http_methods(["GET", "POST"])
def agreements(request, slug):
    """The current version, its acceptance, every version, and the draft form."""
    program = _managed_program(request, slug)
    current = program_selectors.current_agreement(program=program)
    draft = AgreementDraft.objects.filter(program=program).first()
    source = draft or current
    form = DraftForm(
        request.POST or None,
        initial={"title": source.title, "text": source.text} if source else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            save_agreement_draft(program=program, actor=request.user, **form.cleaned_data)
        except OnboardingError as error:
            form.add_error("text", str(error))
        else:
            return redirect("console:agreement-preview", slug=program.slug)
    return render(
        request,
        "console/onboarding/agreements.html",
        {
            "program": program,
            "form": form,
            "current": current,
            "draft": draft,
            "versions": program.agreements.select_related("published_by").annotate(
                accepted_by=Count("acceptances")
            ),
            "not_accepted": Paginator(
                program_selectors.testers_without_acceptance(agreement=current)
                if current
                else Membership.objects.none(),
                PER_PAGE,
            ).get_page(request.GET.get("page")),
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def agreement_preview(request, slug):
    """The draft as testers will read it, what it changes, and how to publish it."""
    program = _managed_program(request, slug)
    draft = AgreementDraft.objects.filter(program=program).first()
    if draft is None:
        messages.info(request, "Write a draft first; the preview shows it beside the current one.")
        return redirect("console:agreements", slug=program.slug)
    current = program_selectors.current_agreement(program=program)
    form = PublishForm(request.POST or None, program=program)
    if request.method == "POST" and form.is_valid():
        try:
            agreement = publish_draft(
                program=program, actor=request.user, grace_days=form.cleaned_data["grace"]
            )
        except OnboardingError as error:
            form.add_error(None, str(error))
        else:
            if agreement.required_from > agreement.published_at:
                deadline = agreement.required_from.strftime("%-d %b %Y, %H:%M UTC")
                note = f"Testers keep their access until {deadline} and have been emailed."
            else:
                note = "Every tester must accept it before using the portal or the API again."
            messages.success(request, f"Version {agreement.version} is published. {note}")
            return redirect("console:agreements", slug=program.slug)
    return render(
        request,
        "console/onboarding/agreement_preview.html",
        {
            "program": program,
            "draft": draft,
            "current": current,
            "rendered": render_markdown(draft.text),
            "diff": text_diff(current.text if current else "", draft.text),
            "title_changed": current is not None and current.title != draft.title,
            "form": form,
            "testers": program_selectors.active_testers(program=program).count(),
        },
    )


@staff_required
@require_POST
def agreement_draft_discard(request, slug):
    program = _managed_program(request, slug)
    discard_agreement_draft(program=program, actor=request.user)
    messages.info(request, "The draft is discarded.")
    return redirect("console:agreements", slug=program.slug)
