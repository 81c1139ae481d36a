from django import forms

from accessprogram.programs.form_fields import MembershipChoiceForm

from .endpoints import EVENT_TYPES
from .models import WebhookEndpoint


class NewEndpointForm(MembershipChoiceForm):
    url = forms.URLField(
        label="Endpoint URL",
        max_length=500,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"placeholder": "https://example.com/hooks/video"}),
        help_text="We POST signed events here. Public addresses only.",
    )
    description = forms.CharField(max_length=200, required=False)
    event_types = forms.MultipleChoiceField(
        label="Events",
        choices=WebhookEndpoint.EventType.choices,
        initial=EVENT_TYPES,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "choice-list"}),
    )
