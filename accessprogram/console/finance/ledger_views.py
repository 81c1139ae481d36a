"""The ledger page of the finance console: every entry of a program, and reversals."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from accessprogram.access import policy
from accessprogram.compensation.models import LedgerEntry
from accessprogram.compensation.money import CompensationError
from accessprogram.compensation.services import reverse_entry
from accessprogram.console.permissions import program_for, staff_required

from .forms import ReasonForm


def _program(request, slug):
    return program_for(request.user, slug, roles=policy.FINANCE)


@staff_required
@require_GET
def ledger(request, slug):
    program = _program(request, slug)
    entries = LedgerEntry.objects.filter(program=program).select_related(
        "membership__user", "reversed_by"
    )
    query = request.GET.get("q", "").strip()
    if query:
        entries = entries.filter(membership__user__email__icontains=query)
    return render(
        request,
        "console/finance/ledger.html",
        {"program": program, "entries": entries.order_by("-created_at", "-id")[:200], "q": query},
    )


@staff_required
@require_POST
def ledger_reverse(request, slug, entry_id):
    program = _program(request, slug)
    entry = get_object_or_404(LedgerEntry, pk=entry_id, program=program)
    form = ReasonForm(request.POST)
    try:
        if not form.is_valid():
            raise CompensationError("Say why the entry is reversed.")
        reversal = reverse_entry(
            entry=entry, reason=form.cleaned_data["reason"], actor=request.user
        )
    except CompensationError as error:
        messages.error(request, f"Nothing was changed: {error}")
    else:
        messages.success(request, f"Entry #{entry.pk} is reversed by #{reversal.pk}.")
    return redirect("console:finance-ledger", slug=slug)
