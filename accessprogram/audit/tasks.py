from celery import shared_task

from .chain import link_all_pending


@shared_task(name="audit.link_pending_records", acks_late=True, ignore_result=True)
def link_pending_records() -> int:
    """Link records left pending by a process that died between commit and link. Idempotent."""
    return link_all_pending()
