from celery import shared_task

from . import dispatch, services
from .provenance import tasks as provenance_tasks  # noqa: F401 - registers build_rendition


@shared_task(name="generation.tasks.advance_generations", acks_late=True, ignore_result=True)
def advance_generations() -> dict:
    """Dispatch, follow and repair generation jobs. Safe to run any number of times."""
    report = dispatch.advance()
    return {"dispatched": len(report.dispatched), "completed": len(report.completed)}


@shared_task(name="generation.tasks.cancel_jobs_after_block", acks_late=True, ignore_result=True)
def cancel_jobs_after_block(*, level, target_id, program_id, reason) -> int:
    """Cancel the jobs a cohort or program block reaches (idempotent)."""
    return services.cancel_jobs_of_blocked_access(
        level=level, target_id=target_id, program_id=program_id, reason=reason
    )
