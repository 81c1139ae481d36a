import datetime
import logging

from celery import shared_task

from accessprogram.operations import services as operations
from accessprogram.programs.models import Program

from .models import PayoutPeriod
from .money import CompensationError
from .payouts import close_period_in_stages
from .rules import previous_month
from .stipends import award_stipends

logger = logging.getLogger(__name__)


@shared_task(name="compensation.award_monthly_stipends", ignore_result=True)
def award_monthly_stipends() -> int:
    """Pay last month's stipends in every program past its draft. Idempotent, so beat runs it daily:
    a day the worker was down is caught up the next day."""
    month = previous_month()
    paid = 0
    for program in Program.objects.exclude(status=Program.Status.DRAFT).order_by("pk"):
        paid += award_stipends(program=program, month=month).paid_count
    return paid


def _run(operation_id: int, work) -> None:
    """Run `work(operation)` for a live operation; a finished one (a redelivered message) is left
    alone. A refusal (CompensationError) or crash marks it failed with the reason."""
    operation = operations.begin(operation_id)
    if operation is None:
        return
    try:
        result = work(operation)
    except CompensationError as error:
        operations.fail(operation, error=str(error))
    except Exception as error:
        logger.exception("background operation %s failed", operation_id)
        operations.fail(operation, error=f"Unexpected error: {error}. It is safe to try again.")
    else:
        operations.finish(operation, result=result)


@shared_task(name="compensation.run_period_close", ignore_result=True, acks_late=True)
def run_period_close(operation_id: int) -> None:
    def work(operation):
        period_id = int(operation.subject.removeprefix("period:"))
        period = PayoutPeriod.objects.select_related("program").get(pk=period_id)
        if period.is_closed and hasattr(period, "batch"):
            # Closed by an earlier attempt that died before saying so: nothing left to do.
            lines = period.batch.lines.count()
            return {
                "batch": period.batch.pk,
                "lines": lines,
                "summary": f"Closed: {lines} payout lines.",
            }

        def progress(stage):
            operations.report_progress(
                operation, done=stage.done, total=stage.total, stage=stage.label
            )

        batch = close_period_in_stages(
            period=period, actor=operation.requested_by, progress=progress
        )
        lines = batch.lines.count()
        return {"batch": batch.pk, "lines": lines, "summary": f"Closed: {lines} payout lines."}

    _run(operation_id, work)


@shared_task(name="compensation.run_stipends", ignore_result=True, acks_late=True)
def run_stipends(operation_id: int) -> None:
    def work(operation):
        month = datetime.date.fromisoformat(operation.subject.removeprefix("month:") + "-01")
        operations.report_progress(operation, done=0, total=1, stage="Paying stipends")
        run = award_stipends(program=operation.program, month=month, actor=operation.requested_by)
        if run.amount is None:
            summary = f"No stipend in the rates in effect for {month:%B %Y}."
        else:
            summary = (
                f"Stipends for {month:%B %Y}: {run.paid_count} paid now "
                f"({run.amount} {run.currency} each), {run.already_paid} paid before."
            )
        return {"paid": run.paid_count, "already_paid": run.already_paid, "summary": summary}

    _run(operation_id, work)
