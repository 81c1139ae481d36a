"""Celery application; configuration comes from Django settings (CELERY_* names)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accessprogram.settings")

app = Celery("accessprogram")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Each worker records a heartbeat while its consumer runs (manage.py worker_health reads it).
from accessprogram.observability.heartbeat import WorkerHeartbeat  # noqa: E402

app.steps["consumer"].add(WorkerHeartbeat)
