from django.db import models

from .chain import append
from .models import AuditRecord


def record(*, action: str, target: models.Model, actor=None, **data) -> AuditRecord:
    """Append one audit record describing `action` on `target`.

    Joins the caller's transaction and rolls back with it. Call it last in that transaction: it
    holds the chain lock until commit, so every other audited write waits for it.
    """
    return append(
        action=action,
        actor=actor,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        data=data,
    )
