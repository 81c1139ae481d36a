"""Lower layers announce events with signals; this layer turns them into metrics.

`metrics` is imported on the first event, not at start-up: processes that never record (most
manage.py commands) then leave no files in PROMETHEUS_MULTIPROC_DIR.
"""

from celery.signals import task_failure
from django.dispatch import receiver

from accessprogram.access.signals import access_block_committed
from generation.signals import generation_finished


@receiver(access_block_committed, dispatch_uid="observability.revocation_latency")
def on_access_block_committed(*, level, seconds, **kwargs):
    from . import metrics

    metrics.REVOCATION_COMMIT.labels(level=level).observe(seconds)


@receiver(generation_finished, dispatch_uid="observability.generation_finished")
def on_generation_finished(*, outcome, error_code, wait_seconds, render_seconds, **kwargs):
    from . import metrics

    metrics.GENERATION_WAIT.labels(outcome=outcome).observe(wait_seconds)
    metrics.GENERATION_RENDER.labels(outcome=outcome).observe(render_seconds)
    if outcome == "failed":
        metrics.GENERATION_FAILURES.labels(code=error_code or "unknown").inc()


@task_failure.connect(dispatch_uid="observability.task_failure")
def on_task_failure(sender=None, **kwargs):
    from . import metrics

    metrics.TASK_FAILURES.labels(task=getattr(sender, "name", "unknown")).inc()
