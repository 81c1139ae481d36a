"""Payout closes and stipend runs queued as background operations (see accessprogram.operations).

The page that asks returns at once; a Celery task does the work and reports progress by stage.
Both are safe to retry: the work is idempotent, a finished operation is not run again, and a
second request while one is live joins it (a partial unique constraint).
"""

import datetime

from accessprogram.operations.models import BackgroundOperation
from accessprogram.operations.services import start_operation
from accessprogram.programs.models import Program

from .models import PayoutPeriod
from .money import CompensationError
from .payouts import refuse_unless_ended


def period_subject(period: PayoutPeriod) -> str:
    return f"period:{period.pk}"


def month_subject(month: datetime.date) -> str:
    return f"month:{month:%Y-%m}"


def queue_period_close(*, period: PayoutPeriod, actor) -> tuple[BackgroundOperation, bool]:
    from .tasks import run_period_close

    if period.is_closed:
        raise CompensationError(f"The period {period.start} to {period.end} is already closed.")
    refuse_unless_ended(period)  # refused here too, not only once the task runs
    return start_operation(
        kind=BackgroundOperation.Kind.PAYOUT_CLOSE,
        program=period.program,
        subject=period_subject(period),
        requested_by=actor,
        enqueue=lambda operation_id: run_period_close.delay(operation_id),
    )


def queue_stipend_run(
    *, program: Program, month: datetime.date, actor
) -> tuple[BackgroundOperation, bool]:
    from .tasks import run_stipends

    return start_operation(
        kind=BackgroundOperation.Kind.STIPEND_RUN,
        program=program,
        subject=month_subject(month),
        requested_by=actor,
        enqueue=lambda operation_id: run_stipends.delay(operation_id),
    )
