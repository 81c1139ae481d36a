from celery import shared_task

from . import head_export
from .chain import link_all_pending, link_pending


@shared_task(name="audit.link_pending_records", acks_late=True, ignore_result=True)
def link_pending_records(chain: str | None = None) -> int:
    """Link pending audit records: one chain whose head was busy at commit, or (from beat)
    every chain, for records a process that died between commit and link left. Idempotent."""
    if chain is not None:
        return link_pending(chain=chain)
    return link_all_pending()


@shared_task(name="audit.export_heads", acks_late=True, ignore_result=True)
def export_heads() -> int:
    """Append every chain's head to the export outside the database (beat, every
    AUDIT_HEAD_EXPORT_SECONDS). A chain whose table no longer matches its last export is held
    at that export and logged, never raised: the other chains are still exported."""
    return len(head_export.export_heads().heads)
