from django.db import transaction
from django.utils import timezone

from .models import WorkerHeartbeat


@transaction.atomic
def record_heartbeat(*, hostname: str, pid: int) -> None:
    WorkerHeartbeat.objects.update_or_create(
        hostname=hostname, defaults={"pid": pid, "seen_at": timezone.now()}
    )


@transaction.atomic
def forget_heartbeat(*, hostname: str) -> None:
    """A worker stopping on purpose is no longer consuming: say so at once."""
    WorkerHeartbeat.objects.filter(hostname=hostname).delete()
