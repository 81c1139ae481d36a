"""Forms of the finance console. Amounts are Decimal fields: never floats, never negative."""

import datetime
import re
from decimal import Decimal

from django import forms
from django.utils import timezone

from accessprogram.compensation.models import RATE_FIELDS, Currency
from accessprogram.compensation.money import MAX_AMOUNT


def _money_field(label: str, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        min_value=Decimal("0"),
        max_value=MAX_AMOUNT,
        max_digits=12,
        decimal_places=2,
        initial=Decimal("0.00"),
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}),
        **kwargs,
    )


RATE_LABELS = {
    "per_form_completed": "Per feedback form completed",
    "per_bug_low": "Per confirmed bug, low severity",
    "per_bug_medium": "Per confirmed bug, medium severity",
    "per_bug_high": "Per confirmed bug, high severity",
    "per_bug_critical": "Per confirmed bug, critical severity",
    "per_hour": "Per approved hour of testing",
    "monthly_stipend": "Monthly stipend",
    "licence_fee": "Licence fee per output the organisers use",
}


class RateCardForm(forms.Form):
    currency = forms.ChoiceField(choices=Currency.choices)
    effective_from = forms.DateTimeField(
        label="Takes effect (UTC)",
        required=False,
        help_text="Leave empty to take effect now.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def __init__(self, *args, current=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in RATE_FIELDS:
            self.fields[name] = _money_field(RATE_LABELS[name])
            if current is not None:
                self.fields[name].initial = getattr(current, name)
        if current is not None:
            self.fields["currency"].initial = current.currency

    def rates(self) -> dict:
        return {name: self.cleaned_data[name] for name in RATE_FIELDS}


class OpenPeriodForm(forms.Form):
    start = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(
        help_text="Both days included.", widget=forms.DateInput(attrs={"type": "date"})
    )
    minimum_hourly_rate = _money_field(
        "Minimum hourly rate",
        help_text="Guaranteed pay per approved hour, in the rate card's currency; 0 for none.",
    )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError("The period ends before it starts.")
        return data


MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class StipendForm(forms.Form):
    month = forms.CharField(
        label="Month",
        help_text="A month that is over.",
        widget=forms.TextInput(attrs={"type": "month"}),
    )

    def clean_month(self):
        match = MONTH.match(self.cleaned_data["month"].strip())
        if not match or not 1 <= int(match[2]) <= 12:
            raise forms.ValidationError("Give a month as YYYY-MM.")
        month = datetime.date(int(match[1]), int(match[2]), 1)
        this_month = timezone.now().astimezone(datetime.UTC).date().replace(day=1)
        if month >= this_month:
            raise forms.ValidationError("Stipends are paid once the month is over.")
        return month


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=500)


class PaidForm(forms.Form):
    provider_reference = forms.CharField(max_length=200, required=False, label="Provider reference")
