"""Rendition builds run in Celery workers, never in a web request."""

import logging

from celery import shared_task

from . import services

logger = logging.getLogger(__name__)

MAX_RETRIES = 3


@shared_task(
    bind=True,
    name="generation.provenance.tasks.build_rendition",
    acks_late=True,
    ignore_result=True,
    max_retries=MAX_RETRIES,
)
def build_rendition(self, rendition_id: int) -> None:
    """Build one rendition. Idempotent: a ready rendition is left alone, a redelivered or
    duplicated task cannot store two files. Retried with backoff, then marked failed."""
    try:
        services.build_rendition(rendition_id=rendition_id)
    except services.RenditionImpossible as error:
        logger.warning("rendition %s cannot be built: %s", rendition_id, error)
        services.mark_failed(rendition_id=rendition_id, error=str(error))
    except Exception as error:
        if self.request.retries >= self.max_retries:
            logger.exception("rendition %s failed for good", rendition_id)
            services.mark_failed(rendition_id=rendition_id, error=f"Build failed: {error}")
            return
        logger.warning("rendition %s failed; retrying", rendition_id, exc_info=True)
        raise self.retry(exc=error, countdown=2**self.request.retries) from error
