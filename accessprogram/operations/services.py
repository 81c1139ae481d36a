"""Starting, running and finishing background operations. Progress writes are single UPDATEs in
autocommit, never inside the operation's own transactions, so a page sees them at once."""

import logging
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accessprogram.programs.models import Program

from .models import LIVE_STATUSES, BackgroundOperation

logger = logging.getLogger(__name__)


@transaction.atomic
def start_operation(
    *,
    kind: str,
    program: Program,
    subject: str,
    requested_by,
    enqueue: Callable[[int], None],
    payload: str = "",
) -> tuple[BackgroundOperation, bool]:
    """Queue an operation and `enqueue(id)` its task once committed; (operation, started).

    When one for the same kind, program and subject is already queued or running, that one is
    returned and nothing new is queued: the database's unique constraint decides races."""
    live = BackgroundOperation.objects.filter(
        kind=kind, program=program, subject=subject, status__in=LIVE_STATUSES
    )
    existing = live.first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            operation = BackgroundOperation.objects.create(
                kind=kind,
                program=program,
                subject=subject,
                requested_by=requested_by,
                payload=payload,
            )
    except IntegrityError:
        existing = live.first()
        if existing is None:
            raise
        return existing, False
    transaction.on_commit(lambda: enqueue(operation.pk))
    return operation, True


def begin(operation_id: int) -> BackgroundOperation | None:
    """Mark the operation running; None when it is finished already (a redelivered task)."""
    now = timezone.now()
    updated = BackgroundOperation.objects.filter(pk=operation_id, status__in=LIVE_STATUSES).update(
        status=BackgroundOperation.Status.RUNNING,
        started_at=now,
        attempts=F("attempts") + 1,
        error="",
    )
    return BackgroundOperation.objects.get(pk=operation_id) if updated else None


def report_progress(operation: BackgroundOperation, *, done: int, total: int, stage: str) -> None:
    BackgroundOperation.objects.filter(pk=operation.pk).update(
        progress_done=min(done, total), progress_total=total, stage=stage[:200]
    )


def finish(operation: BackgroundOperation, *, result: dict) -> None:
    """Done, with `result` (a dict with a `summary` line for the page). Called inside the work's
    last transaction where it can be, so the work and "done" commit together."""
    BackgroundOperation.objects.filter(pk=operation.pk).update(
        status=BackgroundOperation.Status.DONE,
        result=result,
        progress_done=F("progress_total"),
        finished_at=timezone.now(),
    )


def fail(operation: BackgroundOperation, *, error: str) -> None:
    """Failed: shown on the page with the reason; the person can start it again (it is safe)."""
    BackgroundOperation.objects.filter(pk=operation.pk).update(
        status=BackgroundOperation.Status.FAILED, error=error[:2000], finished_at=timezone.now()
    )
