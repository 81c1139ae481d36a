from datetime import timedelta

from django import forms
from django.utils import timezone

from accessprogram.programs.form_fields import MembershipChoiceForm

from .scopes import ALL_SCOPES, Scope, parse_networks

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

    scopes = forms.MultipleChoiceField(
        label="Permissions",
        choices=Scope.choices,
        initial=ALL_SCOPES,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "choice-list"}),
        help_text="Give a token only what it needs: a leaked read-only token cannot create videos.",
    )
    allowed_networks = forms.CharField(
        label="Allowed networks (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "203.0.113.0/24"}),
        help_text="One IP address or network per line. The token is refused anywhere else. "
        "Empty: any network.",
    )
    daily_generation_limit = forms.IntegerField(
        label="Daily generation limit (optional)",
        required=False,
        min_value=1,
        help_text="At most this many videos a day through this token (your program quota "
        "still applies).",
    )

    def clean_allowed_networks(self):
        return parse_networks(self.cleaned_data["allowed_networks"])


class AppealForm(forms.Form):
    message = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        label="Your appeal",
        help_text="Why the block should be lifted: what happened, from your side. You can "
        "appeal once per block.",
    )
