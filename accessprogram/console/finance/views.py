"""Finance console: rate cards, time logs (with platform activity), stipends, periods and payout
batches (the ledger is in ledger_views.py). Finance staff and admins of the program only; anyone
else gets 404, like a missing page.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accessprogram.access import policy
from accessprogram.compensation import payouts, rules
from accessprogram.compensation.activity import activity_for_many
from accessprogram.compensation.exports import payout_csv, payout_lines_to_pay
from accessprogram.compensation.models import (
    LedgerEntry,
    Payout,
    PayoutBatch,
    PayoutPeriod,
    TimeLog,
)
from accessprogram.compensation.money import CompensationError
from accessprogram.compensation.selectors import (
    current_rate_card,
    payout_totals,
    upcoming_rate_card,
)
from accessprogram.compensation.services import (
    approve_time_log,
    publish_rate_card,
    reject_time_log,
)
from accessprogram.compensation.statements import statement_for
from accessprogram.compensation.summary import money_summary
from accessprogram.compensation.views import statement_response
from accessprogram.console.permissions import (
    program_for,
    staff_required,
)
from accessprogram.operations.models import BackgroundOperation
from accessprogram.programs.models import Membership

from .forms import OpenPeriodForm, PaidForm, RateCardForm, ReasonForm, StipendForm
from .operations import ConfirmCloseForm, period_operation_of, queue_stipends

LINES_PER_PAGE = 50  # payout lines on a period page
TESTERS_FOUND = 25  # statement links a tester search shows
LOGS_PER_PAGE = 50  # pending time logs on a page

# --- Pages ---------------------------------------------------------------------------------


def _program(request, slug):
    return program_for(request.user, slug, roles=policy.FINANCE)


def _errors_text(form) -> str:
    return "; ".join(" ".join(errors) for errors in form.errors.values())


@staff_required
@require_GET
def finance_home(request):
    programs = policy.staff_programs(request.user, roles=policy.FINANCE).order_by("name")
    if not programs:
        raise Http404("No finance role here.")
    if len(programs) == 1:
        return redirect("console:finance-program", slug=programs[0].slug)
    return render(request, "console/finance/home.html", {"programs": programs})


@staff_required
@require_http_methods(["GET", "POST"])
def program_finance(request, slug):
    """Overview of one program's money: rates, open periods, stipends, pending logs. A valid
    stipend form queues the run (see finance/operations.py); the page shows its progress."""
    program = _program(request, slug)
    stipend_form = StipendForm(
        request.POST or None, initial={"month": f"{rules.previous_month():%Y-%m}"}
    )
    if request.method == "POST" and stipend_form.is_valid():
        queue_stipends(request, program, month=stipend_form.cleaned_data["month"])
        return redirect("console:finance-program", slug=slug)
    recent_stipends = (
        LedgerEntry.objects.filter(program=program, kind=LedgerEntry.Kind.STIPEND)
        .select_related("membership__user")
        .order_by("-created_at", "-id")[:20]
    )
    return render(
        request,
        "console/finance/program.html",
        {
            "program": program,
            "rate_card": current_rate_card(program=program),
            "upcoming_card": upcoming_rate_card(program=program),
            "summary": money_summary(program=program),
            "periods": PayoutPeriod.objects.filter(program=program).order_by("-start")[:6],
            "pending_logs": TimeLog.objects.filter(
                membership__program=program, status=TimeLog.Status.PENDING
            ).count(),
            "stipend_form": stipend_form,
            "recent_stipends": recent_stipends,
            "stipend_operation": BackgroundOperation.objects.filter(
                program=program, kind=BackgroundOperation.Kind.STIPEND_RUN
            ).first(),
        },
        status=422 if stipend_form.errors else 200,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def rate_cards(request, slug):
    program = _program(request, slug)
    current = current_rate_card(program=program)
    form = RateCardForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        try:
            card = publish_rate_card(
                program=program,
                currency=form.cleaned_data["currency"],
                effective_from=form.cleaned_data["effective_from"],
                actor=request.user,
                **form.rates(),
            )
        except CompensationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Rate card version {card.version} is published.")
            return redirect("console:finance-rate-cards", slug=slug)
    return render(
        request,
        "console/finance/rate_cards.html",
        {"program": program, "form": form, "current": current, "cards": program.rate_cards.all()},
        status=422 if form.errors else 200,
    )


@staff_required
@require_GET
def time_logs(request, slug):
    """Pending logs a page at a time, oldest first, each beside the platform activity of its
    window: counted for the whole page in one query per counter, whoever logged them."""
    program = _program(request, slug)
    pending = Paginator(
        TimeLog.objects.filter(membership__program=program, status=TimeLog.Status.PENDING)
        .select_related("membership__user")
        .order_by("started_at", "pk"),
        LOGS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    decided = (
        TimeLog.objects.filter(membership__program=program)
        .exclude(status=TimeLog.Status.PENDING)
        .select_related("membership__user", "decided_by")
        .order_by("-decided_at")[:20]
    )
    logs = list(pending)
    return render(
        request,
        "console/finance/time_logs.html",
        {
            "program": program,
            "page": pending,
            "pending": list(zip(logs, activity_for_many(logs), strict=True)),
            "decided": decided,
        },
    )


@staff_required
@require_POST
def time_log_decide(request, slug, time_log_id, decision):
    program = _program(request, slug)
    if decision not in ("approve", "reject"):
        raise Http404
    time_log = get_object_or_404(TimeLog, pk=time_log_id, membership__program=program)
    try:
        if decision == "approve":
            approve_time_log(time_log=time_log, actor=request.user)
            messages.success(request, f"Approved {time_log.minutes} minutes.")
        else:
            form = ReasonForm(request.POST)
            if not form.is_valid():
                raise CompensationError("Say why the time log is rejected.")
            reject_time_log(
                time_log=time_log, reason=form.cleaned_data["reason"], actor=request.user
            )
            messages.success(request, "The time log is rejected.")
    except CompensationError as error:
        messages.error(request, f"Nothing was changed: {error}")
    return redirect("console:finance-time-logs", slug=slug)


@staff_required
@require_http_methods(["GET", "POST"])
def periods(request, slug):
    program = _program(request, slug)
    form = OpenPeriodForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            period = payouts.open_period(program=program, actor=request.user, **form.cleaned_data)
        except CompensationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Period {period.start} to {period.end} is open.")
            return redirect("console:finance-periods", slug=slug)
    return render(
        request,
        "console/finance/periods.html",
        {
            "program": program,
            "form": form,
            "periods": [
                _with_can_close(period)
                for period in PayoutPeriod.objects.filter(program=program)
                .select_related("batch", "closed_by")
                .order_by("-start")
            ],
        },
        status=422 if form.errors else 200,
    )


def _with_can_close(period: PayoutPeriod) -> PayoutPeriod:
    """Close is offered only for an open period whose last day is over (payouts refuse too)."""
    period.can_close = not period.is_closed and rules.period_has_ended(period_end=period.end)
    return period


def _period(program, period_id) -> PayoutPeriod:
    return _with_can_close(
        get_object_or_404(
            PayoutPeriod.objects.select_related("program"), pk=period_id, program=program
        )
    )


@staff_required
@require_GET
def period_page(request, slug, period_id):
    """A period and its payout batch, a page of lines at a time (a batch has a line per tester
    paid); totals are summed by the database; statements are found by a tester search, not
    listed for every tester."""
    program = _program(request, slug)
    period = _period(program, period_id)
    batch = getattr(period, "batch", None)
    lines = None
    if batch:
        # In the order of the batch's unique index (batch, membership, currency): a page is
        # read from the index, where sorting by email sorted every line of the batch first.
        lines = Paginator(
            batch.lines.select_related("membership__user", "decided_by", "batch__period").order_by(
                "membership_id", "currency"
            ),
            LINES_PER_PAGE,
        ).get_page(request.GET.get("page"))
    query = request.GET.get("tester", "").strip()
    return render(
        request,
        "console/finance/period.html",
        {
            "program": program,
            "period": period,
            "batch": batch,
            "lines": lines,
            "totals": payout_totals(batch=batch) if batch else [],
            "to_pay": payout_lines_to_pay(batch).count() if batch else 0,
            "operation": period_operation_of(period),
            "confirm_form": ConfirmCloseForm(),
            "tester_query": query,
            "testers": _testers_matching(program, query),
        },
    )


def _testers_matching(program, query: str) -> list[Membership]:
    """Testers whose email contains `query` (none for an empty query), the first few only."""
    if not query:
        return []
    return list(
        Membership.objects.filter(
            program=program, role=Membership.Role.TESTER, user__email__icontains=query
        )
        .select_related("user")
        .order_by("user__email")[:TESTERS_FOUND]
    )


@staff_required
@require_GET
def period_csv(request, slug, period_id):
    program = _program(request, slug)
    period = _period(program, period_id)
    batch = get_object_or_404(PayoutBatch, period=period)
    response = HttpResponse(payout_csv(batch), content_type="text/csv; charset=utf-8")
    name = f"payouts-{program.slug}-{period.start}-{period.end}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@staff_required
@require_POST
def payout_decide(request, slug, line_id, decision):
    program = _program(request, slug)
    if decision not in ("paid", "failed", "retry"):
        raise Http404
    line = get_object_or_404(
        Payout.objects.select_related("batch__period"), pk=line_id, batch__period__program=program
    )
    try:
        if decision == "paid":
            form = PaidForm(request.POST)
            if not form.is_valid():
                raise CompensationError(_errors_text(form))
            payouts.mark_payout_paid(
                line=line,
                provider_reference=form.cleaned_data["provider_reference"],
                actor=request.user,
            )
            messages.success(request, f"{line.reference} is paid: {line.amount} {line.currency}.")
        elif decision == "failed":
            form = ReasonForm(request.POST)
            if not form.is_valid():
                raise CompensationError("Say why the payout failed.")
            payouts.mark_payout_failed(
                line=line, reason=form.cleaned_data["reason"], actor=request.user
            )
            messages.warning(request, f"{line.reference} is marked failed.")
        else:
            payouts.retry_payout(line=line, actor=request.user)
            messages.success(request, f"{line.reference} is pending again.")
    except CompensationError as error:
        messages.error(request, f"Nothing was changed: {error}")
    return redirect("console:finance-period", slug=slug, period_id=line.batch.period_id)


def _statement(request, slug, period_id, membership_id):
    program = _program(request, slug)
    period = _period(program, period_id)
    membership = get_object_or_404(
        Membership.objects.select_related("user", "program"),
        pk=membership_id,
        program=program,
        role=Membership.Role.TESTER,
    )
    return period, statement_for(
        membership=membership, period_start=period.start, period_end=period.end
    )


@staff_required
@require_GET
def statement(request, slug, period_id, membership_id):
    period, sheet = _statement(request, slug, period_id, membership_id)
    return render(
        request,
        "console/finance/statement.html",
        {"program": period.program, "period": period, "statement": sheet},
    )


@staff_required
@require_GET
def statement_csv(request, slug, period_id, membership_id):
    return statement_response(*_statement(request, slug, period_id, membership_id))
