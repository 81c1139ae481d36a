from datetime import timedelta

from django import forms
from django.utils import timezone

EXPIRY_CHOICES = [
    ("", "Never"),
    ("7", "In 7 days"),
    ("30", "In 30 days"),
    ("90", "In 90 days"),
]


class NewTokenForm(forms.Form):
    membership = forms.TypedChoiceField(label="Program", coerce=int)
    name = forms.CharField(
        max_length=100, help_text="Where you will use it, e.g. “laptop scripts”.", initial=""
    )
    expires_in = forms.ChoiceField(label="Expires", choices=EXPIRY_CHOICES, required=False)

    def __init__(self, *args, memberships, **kwargs):
        super().__init__(*args, **kwargs)
        self.memberships = {m.pk: m for m in memberships}
        self.fields["membership"].choices = [(m.pk, m.program.name) for m in memberships]
        if len(memberships) == 1:
            self.fields["membership"].widget = forms.HiddenInput()
            self.fields["membership"].initial = memberships[0].pk

    def clean_membership(self):
        return self.memberships[self.cleaned_data["membership"]]

    def expires_at(self):
        days = self.cleaned_data.get("expires_in")
        return timezone.now() + timedelta(days=int(days)) if days else None
