from celery import shared_task

from . import dispatch


@shared_task(name="generation.tasks.advance_generations", acks_late=True, ignore_result=True)
def advance_generations() -> dict:
    """Dispatch, follow and repair generation jobs. Safe to run any number of times."""
    report = dispatch.advance()
    return {"dispatched": len(report.dispatched), "completed": len(report.completed)}
