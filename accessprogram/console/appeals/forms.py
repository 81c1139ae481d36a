from django import forms

DECISIONS = [("uphold", "Uphold the block"), ("lift", "Lift the block")]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=DECISIONS)  # the form's two submit buttons
    reason = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Sent to the tester with the decision and kept in the audit log.",
    )

    def __init__(self, *args, liftable: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not liftable:
            # A revocation, or a block already over: there is nothing left to lift.
            self.fields["decision"].choices = DECISIONS[:1]
            self.fields["decision"].initial = "uphold"
