from celery import shared_task

from .chain import link_all_pending, link_pending


@shared_task(name="audit.link_pending_records", acks_late=True, ignore_result=True)
def link_pending_records(chain: str | None = None) -> int:
    """Link pending audit records: one chain whose head was busy at commit, or (from beat)
    every chain, for records a process that died between commit and link left. Idempotent."""
    if chain is not None:
        return link_pending(chain=chain)
    return link_all_pending()
