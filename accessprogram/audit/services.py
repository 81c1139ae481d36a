from django.db import models

from .models import AuditRecord


def record(*, action: str, target: models.Model, actor=None, **data) -> AuditRecord:
    """Append one audit record describing `action` on `target`."""
    return AuditRecord.objects.create(
        action=action,
        actor=actor,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        data=data,
    )
