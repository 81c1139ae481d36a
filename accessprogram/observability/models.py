from django.db import models


class WorkerHeartbeat(models.Model):
    """The last moment a Celery worker's consumer was running (connected and consuming).

    Written by the worker itself every WORKER_HEARTBEAT_SECONDS (see heartbeat.py); read by
    `manage.py worker_health` and /readyz. In the database because it must be readable from
    other processes and hosts, and the embedded default has no shared cache."""

    hostname = models.CharField(max_length=200, unique=True)
    pid = models.PositiveIntegerField()
    seen_at = models.DateTimeField()

    def __str__(self):
        return self.hostname
