from django import forms
from django.utils import timezone

from accessprogram.access.models import AccessBlock


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
    confirm = forms.BooleanField(
        label="I understand every tester of this program loses access now "
        "and their running jobs stop."
    )

    def clean_expected_back_at(self):
        value = self.cleaned_data["expected_back_at"]
        if value is not None and value <= timezone.now():
            raise forms.ValidationError("The expected return must lie in the future.")
        return value


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
