"""The Celery worker's heartbeat: a consumer bootstep that records "consuming" every few seconds.

Why a consumer step rather than a beat-scheduled task or a thread: it runs on the consumer's own
event loop timer, and Celery starts consumer steps only once the consumer is connected to the
broker and consuming its queues, and stops them when it loses the connection or shuts down.
So a fresh heartbeat means this very worker is consuming; a beat task would be consumed by
whichever worker came first (and would fail when beat, not the worker, is down), and a thread
would keep beating while the consumer was stuck reconnecting.

Registered in accessprogram/celery.py; this module imports no Django model at load time
because Celery loads it before Django is set up.
"""

import logging
import os

from celery import bootsteps

logger = logging.getLogger(__name__)


class WorkerHeartbeat(bootsteps.StartStopStep):
    requires = {"celery.worker.consumer.tasks:Tasks"}

    def __init__(self, parent, **kwargs):
        super().__init__(parent, **kwargs)
        self.timer_entry = None
        self.hostname = ""

    def start(self, consumer):
        from django.conf import settings

        self.hostname = consumer.hostname
        self._beat()
        self.timer_entry = consumer.timer.call_repeatedly(
            settings.WORKER_HEARTBEAT_SECONDS, self._beat, priority=10
        )

    def stop(self, consumer):
        if self.timer_entry is not None:
            self.timer_entry.cancel()
            self.timer_entry = None

    def shutdown(self, consumer):
        self.stop(consumer)
        from .services import forget_heartbeat

        try:
            forget_heartbeat(hostname=self.hostname)
        except Exception:
            logger.warning("could not clear the worker heartbeat", exc_info=True)

    def _beat(self):
        from django.db import close_old_connections

        from .services import record_heartbeat

        try:
            record_heartbeat(hostname=self.hostname, pid=os.getpid())
        except Exception:
            # A database blip must not take the consumer down; the heartbeat just goes stale.
            logger.warning("could not record the worker heartbeat", exc_info=True)
            close_old_connections()
