"""Celery tasks: they receive a delivery's id and attempt count, never a secret or a body."""

from celery import shared_task

from . import deliveries


@shared_task(bind=True, name="webhooks.deliver", max_retries=None)
def deliver_webhook(self, delivery_id: int, after_attempts: int) -> None:
    retry_in = deliveries.attempt_delivery(delivery_id=delivery_id, after_attempts=after_attempts)
    if retry_in is not None:
        raise self.retry(args=(delivery_id, after_attempts + 1), countdown=retry_in)


@shared_task(name="webhooks.resume_stalled")
def resume_stalled_deliveries() -> int:
    return deliveries.resume_stalled()
