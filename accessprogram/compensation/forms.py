import datetime

from django import forms
from django.utils import timezone

from accessprogram.programs.models import Membership

from .models import TimeLog


class TimeLogForm(forms.Form):
    membership = forms.ModelChoiceField(
        queryset=Membership.objects.none(), label="Program", empty_label=None
    )
    started_at = forms.DateTimeField(
        label="Started (UTC)", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    minutes = forms.IntegerField(
        label="Duration in minutes",
        help_text="From 1 minute up to 24 hours (1440 minutes).",
        widget=forms.NumberInput(attrs={"min": 1, "max": TimeLog.MAX_MINUTES}),
    )
    description = forms.CharField(
        label="What did you test?", max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, memberships, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["membership"].queryset = memberships
        self.fields["membership"].label_from_instance = lambda m: m.program.name
        if memberships.count() == 1:
            self.fields["membership"].widget = forms.HiddenInput()
            self.fields["membership"].initial = memberships.first()

    def clean_minutes(self):
        minutes = self.cleaned_data["minutes"]
        if not 1 <= minutes <= TimeLog.MAX_MINUTES:
            raise forms.ValidationError("A session lasts from 1 minute up to 24 hours.")
        return minutes

    def clean_started_at(self):
        started_at = self.cleaned_data["started_at"]
        if started_at > timezone.now() + datetime.timedelta(minutes=1):
            raise forms.ValidationError("A session cannot start in the future.")
        return min(started_at, timezone.now())
