from django import forms

from accessprogram.compensation.models import Severity
from accessprogram.programs.models import Membership
from generation.models import Generation

from .attachments import ALLOWED, MAX_FILES, AttachmentRejected, check_uploads
from .models import BugReport, Question


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        files = [f for f in files if f]
        try:
            check_uploads(files)
        except AttachmentRejected as rejected:
            raise forms.ValidationError(str(rejected)) from rejected
        return files


class MembershipChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.program.name


class BugReportForm(forms.Form):
    membership = MembershipChoiceField(queryset=Membership.objects.none(), label="Program")
    title = forms.CharField(max_length=200)
    steps = forms.CharField(
        label="Steps to reproduce", max_length=10000, widget=forms.Textarea(attrs={"rows": 5})
    )
    expected = forms.CharField(
        label="What you expected", max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    actual = forms.CharField(
        label="What happened instead", max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    severity = forms.ChoiceField(choices=Severity.choices, initial=Severity.MEDIUM)
    generation = forms.ChoiceField(label="Video it concerns (optional)", required=False)
    attachments = MultipleFileField(
        required=False,
        help_text=f"Up to {MAX_FILES} files of at most 10 MB each: {ALLOWED}.",
    )

    def __init__(self, *args, memberships, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["membership"].queryset = Membership.objects.filter(
            pk__in=[m.pk for m in memberships]
        ).select_related("program")
        if len(memberships) == 1:
            self.fields["membership"].initial = memberships[0].pk
        self._generations = {
            g.public_id: g
            for g in Generation.objects.filter(
                tester=user,
                program_id__in=[m.program_id for m in memberships],
                deleted_at__isnull=True,
            ).select_related("program")[:200]
        }
        self.fields["generation"].choices = [("", "None")] + [
            (g.public_id, f"{g.prompt[:60]} ({g.program.name}, {g.status})")
            for g in self._generations.values()
        ]

    def clean_generation(self):
        value = self.cleaned_data.get("generation")
        return self._generations.get(value) if value else None

    def clean(self):
        data = super().clean()
        generation, membership = data.get("generation"), data.get("membership")
        if generation and membership and generation.program_id != membership.program_id:
            self.add_error("generation", "That video belongs to another program.")
        return data


class QuickRatingForm(forms.Form):
    rating = forms.TypedChoiceField(
        choices=[(str(r), str(r)) for r in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose a rating from 1 to 5."},
    )
    comment = forms.CharField(
        max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Comment", max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


# --- Console (staff) ------------------------------------------------------------------------

DATETIME_LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class FeedbackFormForm(forms.Form):
    title = forms.CharField(max_length=200)
    description = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    cohort = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="Every tester of the program"
    )
    opens_at = forms.DateTimeField(label="Opens (UTC)", widget=DATETIME_LOCAL)
    closes_at = forms.DateTimeField(label="Closes (UTC)", widget=DATETIME_LOCAL)

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cohort"].queryset = program.cohorts.all()

    def clean(self):
        data = super().clean()
        opens_at, closes_at = data.get("opens_at"), data.get("closes_at")
        if opens_at and closes_at and closes_at <= opens_at:
            self.add_error("closes_at", "The form must close after it opens.")
        return data


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label="Type", choices=Question.Kind.choices)
    label = forms.CharField(label="Question", max_length=300)
    help_text = forms.CharField(label="Hint", max_length=300, required=False)
    required = forms.BooleanField(required=False, initial=True)
    options = forms.CharField(
        label="Options (choice types; one per line)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_options(self):
        return [line.strip() for line in self.cleaned_data["options"].splitlines() if line.strip()]


class TriageForm(forms.Form):
    status = forms.ChoiceField(choices=BugReport.Status.choices)
    severity = forms.ChoiceField(
        label="Severity",
        choices=[("", "As reported"), *Severity.choices],
        required=False,
        help_text="Correct the reporter's severity before confirming: confirming pays by it.",
    )
    duplicate_of = forms.IntegerField(
        label="Duplicate of report #",
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        help_text="Only for the status Duplicate: the report of this program it repeats.",
    )
    note = forms.CharField(
        label="Note to the reporter (optional)",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class StaffCommentForm(forms.Form):
    body = forms.CharField(
        label="Comment", max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    internal = forms.BooleanField(
        label="Internal note (hidden from the reporter, no email)", required=False
    )
