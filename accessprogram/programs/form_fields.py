from django import forms


class MembershipChoiceForm(forms.Form):
    """A form whose first field picks one of the user's memberships, shown as its program.

    Hidden when there is only one; `cleaned_data["membership"]` is the Membership itself."""

    membership = forms.TypedChoiceField(label="Program", coerce=int)

    def __init__(self, *args, memberships, **kwargs):
        super().__init__(*args, **kwargs)
        self.memberships = {m.pk: m for m in memberships}
        self.fields["membership"].choices = [(m.pk, m.program.name) for m in memberships]
        if len(memberships) == 1:
            self.fields["membership"].widget = forms.HiddenInput()
            self.fields["membership"].initial = memberships[0].pk

    def clean_membership(self):
        return self.memberships[self.cleaned_data["membership"]]
