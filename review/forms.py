from django import forms

from .models import ReviewDecision, ShareRequest

REASON_CODES = [
    ("likeness", "Likeness of a real person"),
    ("brand", "Brand or trademark"),
    ("quality", "Quality not ready to show"),
    ("nsfw", "Not safe for work"),
    ("misleading", "Misleading or deceptive"),
    ("other", "Other (explain in the note)"),
]
REASON_LABELS = dict(REASON_CODES)


class ShareRequestForm(forms.Form):
    intended_use = forms.CharField(
        max_length=200,
        label="Intended use",
        help_text="For example: portfolio, a talk, a social media post.",
    )
    destination = forms.CharField(
        max_length=300, label="Where it will appear", help_text="A site, account or event."
    )
    caption = forms.CharField(
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown with the video on its public page.",
    )

    def clean(self):
        data = super().clean()
        for name in ("intended_use", "destination"):
            if name in data and not data[name].strip():
                self.add_error(name, "This field is required.")
        return data


class ResubmitForm(ShareRequestForm):
    """The same fields, filled with the original; something must change."""

    def __init__(self, *args, original: ShareRequest, **kwargs):
        self.original = original
        kwargs.setdefault(
            "initial",
            {
                "intended_use": original.intended_use,
                "destination": original.destination,
                "caption": original.caption,
            },
        )
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        unchanged = all(
            (data.get(name) or "").strip() == getattr(self.original, name)
            for name in ("intended_use", "destination", "caption")
        )
        if unchanged:
            raise forms.ValidationError(
                "Change the request before resubmitting: you can resubmit only once."
            )
        return data


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(choices=ReviewDecision.Outcome.choices, widget=forms.HiddenInput)
    reason_code = forms.ChoiceField(
        choices=[("", "Choose a reason (needed to reject)"), *REASON_CODES],
        required=False,
        label="Reason",
    )
    note = forms.CharField(
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Note to the tester",
        help_text="Needed when you ask for changes.",
    )
    link_days = forms.IntegerField(
        min_value=1,
        max_value=365,
        required=False,
        label="Share link expires after (days)",
        help_text="For approvals. Leave empty for a link that lasts until it is revoked.",
    )

    def clean(self):
        data = super().clean()
        outcome = data.get("outcome")
        if outcome == ReviewDecision.Outcome.REJECT and not data.get("reason_code"):
            self.add_error("reason_code", "Choose a reason to reject.")
        note = (data.get("note") or "").strip()
        if (
            outcome == ReviewDecision.Outcome.REJECT
            and data.get("reason_code") == "other"
            and not note
        ):
            self.add_error("note", "Explain the reason in a note.")
        if (
            outcome == ReviewDecision.Outcome.REQUEST_CHANGES
            and not (data.get("note") or "").strip()
        ):
            self.add_error("note", "Say which changes are needed.")
        if outcome == ReviewDecision.Outcome.APPROVE:
            data["reason_code"] = ""
        return data


class RevokeForm(forms.Form):
    reason = forms.CharField(max_length=300, label="Reason")

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Say why.")
        return reason
