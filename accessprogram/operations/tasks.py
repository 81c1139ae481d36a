"""Background operations of the programs layer (which sits below this app, so they run here)."""

import logging

from celery import shared_task
from django.db import transaction

from accessprogram.programs import invitations
from accessprogram.programs.services import OnboardingError

from . import services
from .models import BackgroundOperation

logger = logging.getLogger(__name__)


def queue_invitation_import(*, program, text: str, actor) -> tuple[BackgroundOperation, bool]:
    """One import per program at a time; a second file waits until the first is finished."""
    return services.start_operation(
        kind=BackgroundOperation.Kind.INVITATION_IMPORT,
        program=program,
        subject="invitations",
        requested_by=actor,
        payload=text,
        enqueue=lambda operation_id: run_invitation_import.delay(operation_id),
    )


@shared_task(name="operations.run_invitation_import", ignore_result=True, acks_late=True)
def run_invitation_import(operation_id: int) -> None:
    """Invite every row of the file, or nobody (invitations.bulk_invite). The invitations and the
    operation's "done" commit together, so a redelivered message finds it done and stops."""
    operation = services.begin(operation_id)
    if operation is None:
        return
    services.report_progress(operation, done=0, total=1, stage="Checking and inviting every row")
    try:
        with transaction.atomic():
            issued = invitations.bulk_invite(
                program=operation.program, text=operation.payload, actor=operation.requested_by
            )
            services.finish(
                operation,
                result={"invited": len(issued), "summary": f"{len(issued)} invitations sent."},
            )
    except OnboardingError as error:
        services.fail(operation, error=str(error))
    except Exception as error:
        logger.exception("invitation import %s failed", operation_id)
        services.fail(operation, error=f"Unexpected error: {error}. Nothing was sent.")
