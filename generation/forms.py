from django import forms

from accessprogram.programs.form_fields import MembershipChoiceForm

from .models import SECONDS_CHOICES, SIZE_CHOICES
from .services import MAX_PROMPT_LENGTH, MAX_SEED

SIZE_LABELS = {
    "1280x720": "1280 x 720 (landscape)",
    "720x1280": "720 x 1280 (portrait)",
    "1792x1024": "1792 x 1024 (wide)",
    "1024x1792": "1024 x 1792 (tall)",
}


class GenerateForm(MembershipChoiceForm):
    prompt = forms.CharField(
        max_length=MAX_PROMPT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "A paper boat drifting at dusk…"}),
    )
    seconds = forms.TypedChoiceField(
        label="Length",
        coerce=int,
        choices=[(s, f"{s} seconds") for s in SECONDS_CHOICES],
        initial=4,
    )
    size = forms.ChoiceField(choices=[(s, SIZE_LABELS[s]) for s in SIZE_CHOICES])
    seed = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_SEED,
        help_text="Optional. The same prompt and seed give the same video.",
    )
