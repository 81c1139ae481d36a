"""The tester's pages: earnings, logging a testing session, statements (HTML and CSV)."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from accessprogram.programs.models import Membership, Program
from accessprogram.programs.view_access import tester_view

from .earnings import earnings_for, tester_memberships
from .exports import statement_csv
from .forms import TimeLogForm
from .models import PayoutPeriod
from .money import CompensationError
from .services import log_time
from .statements import statement_for


def _loggable(user):
    # A closed program (revoked as a whole) takes no new time, whatever its memberships say.
    return tester_memberships(user).filter(
        status=Membership.Status.ACTIVE, program__status=Program.Status.ACTIVE
    )


@tester_view
@require_http_methods(["GET", "POST"])
def earnings(request):
    memberships = tester_memberships(request.user)
    form = TimeLogForm(request.POST or None, memberships=_loggable(request.user))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                log_time(
                    membership=form.cleaned_data["membership"],
                    started_at=form.cleaned_data["started_at"],
                    minutes=form.cleaned_data["minutes"],
                    description=form.cleaned_data["description"],
                )
            except CompensationError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, "Session logged. It is paid once staff approve it.")
                return redirect("compensation:earnings")
        status = 422
    return render(
        request,
        "compensation/earnings.html",
        {
            "sections": [earnings_for(membership) for membership in memberships],
            "form": form,
            "can_log": form.fields["membership"].queryset.exists(),
        },
        status=status,
    )


def _own_statement(request, period_id):
    """The signed-in tester's statement of a period of their program; anything else is 404."""
    period = get_object_or_404(PayoutPeriod.objects.select_related("program"), pk=period_id)
    membership = get_object_or_404(tester_memberships(request.user), program_id=period.program_id)
    return period, statement_for(
        membership=membership, period_start=period.start, period_end=period.end
    )


@tester_view
@require_GET
def statement(request, period_id):
    period, sheet = _own_statement(request, period_id)
    return render(
        request,
        "compensation/statement.html",
        {
            "period": period,
            "statement": sheet,
            "csv_url": reverse("compensation:statement-csv", args=[period.pk]),
        },
    )


def statement_response(period, sheet) -> HttpResponse:
    response = HttpResponse(statement_csv(sheet), content_type="text/csv; charset=utf-8")
    filename = (
        f"statement-{period.program.slug}-{sheet.membership.user.username}-"
        f"{period.start}-{period.end}.csv"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@tester_view
@require_GET
def statement_csv_view(request, period_id):
    period, sheet = _own_statement(request, period_id)
    return statement_response(period, sheet)
