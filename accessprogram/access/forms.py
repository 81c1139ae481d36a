from datetime import timedelta

from django import forms
from django.utils import timezone

from accessprogram.programs.form_fields import MembershipChoiceForm

EXPIRY_CHOICES = [
    ("", "Never"),
    ("7", "In 7 days"),
    ("30", "In 30 days"),
    ("90", "In 90 days"),
]


class NewTokenForm(MembershipChoiceForm):
    name = forms.CharField(
        max_length=100, help_text="Where you will use it, e.g. “laptop scripts”.", initial=""
    )
    expires_in = forms.ChoiceField(label="Expires", choices=EXPIRY_CHOICES, required=False)

    def expires_at(self):
        days = self.cleaned_data.get("expires_in")
        return timezone.now() + timedelta(days=int(days)) if days else None
