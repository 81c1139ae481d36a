from django import forms
from django.db.models import Q
from django.utils import timezone

from accessprogram.access.models import AccessBlock
from accessprogram.programs.models import VIDEO_SECONDS, VIDEO_SIZES, Cohort, Membership, Program

MAX_INT = 2**31 - 1  # what an integer column holds on every database


class KillSwitchForm(forms.Form):
    reason = forms.CharField(max_length=500, help_text="For the audit log and the team.")
    message = forms.CharField(
        max_length=300,
        required=False,
        label="Message to testers",
        help_text="Shown on every page and API error. Leave empty for a standard message.",
    )
    expected_back_at = forms.DateTimeField(
        required=False,
        label="Expected back (UTC)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    confirm_name = forms.CharField(
        max_length=200,
        label="Type the program's name to confirm",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.expected_name = program.name
        self.fields["confirm_name"].help_text = f"Type: {program.name}"

    def clean_confirm_name(self):
        return _typed(self.cleaned_data["confirm_name"], self.expected_name)

    def clean_expected_back_at(self):
        value = self.cleaned_data["expected_back_at"]
        if value is not None and value <= timezone.now():
            raise forms.ValidationError("The expected return must lie in the future.")
        return value


def _typed(value: str, expected: str) -> str:
    """The typed confirmation when it is exactly `expected` (surrounding spaces aside)."""
    if value.strip() != expected.strip():
        raise forms.ValidationError(
            f"That does not match. Type “{expected}” exactly; nothing was changed."
        )
    return value


class FinalRevocationForm(forms.Form):
    """A final revocation of a tester or a cohort: confirmed by typing who or what it ends."""

    reason = forms.CharField(max_length=500, help_text="For the audit log and the team.")
    message = forms.CharField(
        max_length=300,
        required=False,
        label="Message to the testers",
        help_text="Shown on their pages and API errors. Leave empty for a standard message.",
    )
    confirm_text = forms.CharField(
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, expected: str, what: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.expected = expected
        self.fields["confirm_text"].label = f"Type the {what} to confirm"
        self.fields["confirm_text"].help_text = f"Type: {expected}"
        if what.startswith("tester"):
            self.fields["message"].label = "Message to the tester"

    def clean_confirm_text(self):
        return _typed(self.cleaned_data["confirm_text"], self.expected)


class BlockForm(forms.Form):
    level = forms.ChoiceField(
        choices=[
            (value, label)
            for value, label in AccessBlock.Level.choices
            if value != AccessBlock.Level.PROGRAM
        ],
        widget=forms.HiddenInput,
    )
    target_id = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(
        choices=[
            (AccessBlock.Kind.SUSPENSION, "Suspend (reversible)"),
            (AccessBlock.Kind.REVOCATION, "Revoke (final)"),
        ]
    )
    reason = forms.CharField(max_length=500)
    message = forms.CharField(max_length=300, required=False, label="Message to the tester")
    ends_at = forms.DateTimeField(
        required=False,
        label="Suspension ends (UTC)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("kind") == AccessBlock.Kind.REVOCATION and data.get("ends_at"):
            self.add_error("ends_at", "A revocation is final; only suspensions can end.")
        if data.get("ends_at") and data["ends_at"] <= timezone.now():
            self.add_error("ends_at", "The end must lie in the future.")
        return data


class MembershipChangeForm(forms.Form):
    role = forms.ChoiceField(choices=Membership.Role.choices)
    cohort = forms.ModelChoiceField(queryset=Cohort.objects.none(), required=False)

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        # select_related: a cohort's label names its program (Cohort.__str__).
        self.fields["cohort"].queryset = Cohort.objects.filter(program=program).select_related(
            "program"
        )


class MemberFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search")
    role = forms.ChoiceField(choices=[("", "Any role"), *Membership.Role.choices], required=False)
    status = forms.ChoiceField(
        choices=[("", "Any status"), *Membership.Status.choices], required=False
    )
    cohort = forms.ModelChoiceField(
        queryset=Cohort.objects.none(), required=False, empty_label="Any cohort"
    )

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        # select_related: a cohort's label names its program (Cohort.__str__).
        self.fields["cohort"].queryset = Cohort.objects.filter(program=program).select_related(
            "program"
        )

    def filter(self, members):
        if not self.is_valid():
            return members.none()
        data = self.cleaned_data
        if data["q"]:
            members = members.filter(
                Q(user__email__icontains=data["q"]) | Q(user__username__icontains=data["q"])
            )
        if data["role"]:
            members = members.filter(role=data["role"])
        if data["status"]:
            members = members.filter(status=data["status"])
        if data["cohort"]:
            members = members.filter(cohort=data["cohort"])
        return members


class CohortForm(forms.Form):
    name = forms.CharField(max_length=100)
    starts_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    daily_generation_quota = forms.IntegerField(
        required=False, min_value=0, max_value=MAX_INT, label="Daily quota (override)"
    )
    running_jobs_per_tester = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_INT, label="Running jobs per tester (override)"
    )


class ProgramSettingsForm(forms.Form):
    status = forms.ChoiceField(choices=Program.Status.choices)
    daily_generation_quota = forms.IntegerField(
        min_value=0, max_value=MAX_INT, label="Daily quota per tester"
    )
    running_jobs_per_tester = forms.IntegerField(
        min_value=1, max_value=MAX_INT, label="Running jobs per tester"
    )
    active_jobs_per_tester = forms.IntegerField(
        min_value=1, max_value=MAX_INT, label="Unfinished jobs per tester (queued + running)"
    )
    allowed_seconds = forms.TypedMultipleChoiceField(
        choices=[(s, f"{s} s") for s in VIDEO_SECONDS],
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        label="Clip lengths offered",
    )
    allowed_sizes = forms.MultipleChoiceField(
        choices=[(s, s) for s in VIDEO_SIZES],
        widget=forms.CheckboxSelectMultiple,
        label="Sizes offered",
    )
    approval_policy = forms.ChoiceField(choices=Program.ApprovalPolicy.choices)
    watermark_position = forms.ChoiceField(choices=Program.WatermarkPosition.choices)
    watermark_opacity = forms.IntegerField(
        min_value=0, max_value=100, label="Watermark opacity (%)"
    )
    applications_open = forms.BooleanField(required=False, label="Public application page open")
    max_live_tokens = forms.IntegerField(
        min_value=1,
        max_value=100,
        required=False,  # left out of a post: unchanged
        label="API tokens per tester",
        help_text="How many live (not revoked, not expired) tokens one tester may hold.",
    )
    share_links_on_tester_revocation = forms.ChoiceField(
        choices=Program.ShareLinkPolicy.choices,
        required=False,  # left out of a post: unchanged
        label="Share links when a tester's access is revoked",
        help_text="Only revocations count (tester, cohort or program); suspensions never stop "
        "share links.",
    )

    def clean_max_live_tokens(self):
        value = self.cleaned_data["max_live_tokens"]
        return value if value is not None else self.initial.get("max_live_tokens")

    def clean_share_links_on_tester_revocation(self):
        value = self.cleaned_data["share_links_on_tester_revocation"]
        return value or self.initial.get("share_links_on_tester_revocation")

    @classmethod
    def for_program(cls, program, data=None):
        initial = {name: getattr(program, name) for name in cls.base_fields}
        return cls(data, initial=initial)
