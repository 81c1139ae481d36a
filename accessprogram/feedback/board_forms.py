from django import forms

from accessprogram.programs.form_fields import MembershipChoiceForm

from .models import BoardItem


class BoardItemForm(MembershipChoiceForm):
    kind = forms.ChoiceField(choices=BoardItem.Kind.choices, initial=BoardItem.Kind.FEATURE)
    title = forms.CharField(max_length=200)
    body = forms.CharField(
        label="Details", max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )


class BoardStatusForm(forms.Form):
    status = forms.ChoiceField(choices=BoardItem.Status.choices)
    note = forms.CharField(
        label="Note to the reporter and voters (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class BugToBoardForm(forms.Form):
    title = forms.CharField(max_length=200)
    body = forms.CharField(
        label="Summary every tester of the program may read",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class MergeForm(forms.Form):
    into = forms.IntegerField(label="Merge into item #", min_value=1)
    confirm = forms.BooleanField(label="Yes: this is the same as that item (it cannot be undone)")


class ReleaseNoteForm(forms.Form):
    title = forms.CharField(max_length=200)
    body = forms.CharField(max_length=10000, widget=forms.Textarea(attrs={"rows": 6}))
    items = forms.ModelMultipleChoiceField(
        queryset=BoardItem.objects.none(),
        required=False,
        label="What it fixed or shipped (reporters are credited)",
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].queryset = BoardItem.objects.filter(
            program=program, merged_into__isnull=True, status=BoardItem.Status.SHIPPED
        )
