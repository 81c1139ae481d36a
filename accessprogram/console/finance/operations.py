"""Finance actions that run in the background: closing a period, paying a month's stipends.

The request only queues the work (compensation.background) and returns; the page shows the
operation's progress in a fragment that htmx polls (console/operations/views.py).
"""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from accessprogram.compensation import background
from accessprogram.compensation.models import PayoutPeriod
from accessprogram.compensation.money import CompensationError
from accessprogram.console.permissions import FINANCE_ROLES, program_for, staff_required
from accessprogram.operations.models import BackgroundOperation
from accessprogram.operations.selectors import latest_operation


class ConfirmCloseForm(forms.Form):
    confirm = forms.BooleanField(
        label="I have checked this period: pay its stipends and top-ups and freeze what is owed"
    )


def period_operation_of(period: PayoutPeriod) -> BackgroundOperation | None:
    return latest_operation(
        kind=BackgroundOperation.Kind.PAYOUT_CLOSE,
        program=period.program,
        subject=background.period_subject(period),
    )


@staff_required
@require_POST
def period_close(request, slug, period_id):
    program = program_for(request.user, slug, roles=FINANCE_ROLES)
    period = get_object_or_404(PayoutPeriod, pk=period_id, program=program)
    if not ConfirmCloseForm(request.POST).is_valid():
        messages.error(request, "Nothing was changed: tick the confirmation to close the period.")
        return redirect("console:finance-period", slug=slug, period_id=period.pk)
    try:
        _, started = background.queue_period_close(period=period, actor=request.user)
    except CompensationError as error:
        messages.error(request, f"Nothing was changed: {error}")
    else:
        if started:
            messages.info(request, f"Closing period {period.start} to {period.end}…")
        else:
            messages.info(request, "This period is already being closed.")
    return redirect("console:finance-period", slug=slug, period_id=period.pk)


def queue_stipends(request, program, *, month) -> None:
    _, started = background.queue_stipend_run(program=program, month=month, actor=request.user)
    messages.info(
        request,
        f"Paying stipends for {month:%B %Y}…" if started else "That stipend run is already going.",
    )
