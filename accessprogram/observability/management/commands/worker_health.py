"""Exit 0 when a Celery worker is consuming (fresh heartbeat), 1 otherwise: for supervisors."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accessprogram.observability.selectors import consuming_workers, worker_heartbeats


class Command(BaseCommand):
    help = "Check that a Celery worker is consuming (its heartbeat is recent). Exit status 0/1."
    # Supervisors run this every few seconds: one query, no system checks.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--hostname", help="the worker's node name (e.g. worker@host); default: any worker"
        )
        parser.add_argument(
            "--max-age",
            type=float,
            default=settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS,
            help="seconds a heartbeat stays fresh (default WORKER_HEARTBEAT_MAX_AGE_SECONDS)",
        )

    def handle(self, *args, hostname=None, max_age, **options):
        now = timezone.now()
        fresh = consuming_workers(max_age_seconds=max_age, hostname=hostname, now=now)
        if fresh:
            for beat in fresh:
                age = (now - beat.seen_at).total_seconds()
                self.stdout.write(f"{beat.hostname}: consuming (heartbeat {age:.1f} s ago)")
            return
        known = [b for b in worker_heartbeats() if not hostname or b.hostname == hostname]
        detail = "; ".join(
            f"{b.hostname} last seen {(now - b.seen_at).total_seconds():.0f} s ago" for b in known
        )
        who = hostname or "any worker"
        raise CommandError(
            f"{who}: not consuming (no heartbeat within {max_age:g} s)"
            + (f"; {detail}" if detail else "; no heartbeat recorded")
        )
