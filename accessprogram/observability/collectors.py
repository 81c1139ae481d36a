"""Scrape-time gauges read from the database, and the registry /metrics serves.

Queue depth, waits and backlogs are facts in the database, changed by any web or worker process
on any host; reading them when Prometheus scrapes (a few indexed aggregates) is always right,
needs no process to keep a gauge in step and costs nothing between scrapes.
"""

import logging

from django.conf import settings
from django.db import DatabaseError
from prometheus_client import CollectorRegistry, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from . import selectors
from .metrics import PREFIX

logger = logging.getLogger(__name__)


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(f"{PREFIX}_{name}", documentation, value=value)


class DatabaseCollector(Collector):
    def collect(self):
        try:
            queue = selectors.generation_queue()
            backlog = selectors.review_backlog()
            consuming = selectors.consuming_workers(
                max_age_seconds=settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS
            )
        except DatabaseError:
            # The request series are still worth a scrape; /readyz says what is down.
            logger.warning("metrics: database unavailable, state gauges skipped", exc_info=True)
            yield _gauge("database_up", "1 if the scrape could read the database.", 0)
            return
        yield _gauge("database_up", "1 if the scrape could read the database.", 1)
        yield _gauge(
            "generations_queued", "Generations waiting for an engine slot.", queue.queued.count
        )
        yield _gauge(
            "generation_oldest_queued_seconds",
            "How long the oldest queued generation has waited (0 when none waits).",
            queue.queued.oldest_age_seconds,
        )
        yield _gauge(
            "generations_in_progress",
            "Generations sent to the engine, not finished.",
            queue.in_progress,
        )
        yield _gauge(
            "share_requests_pending", "Share requests waiting for a reviewer.", backlog.count
        )
        yield _gauge(
            "share_request_oldest_pending_seconds",
            "How long the oldest pending share request has waited (0 when none waits).",
            backlog.oldest_age_seconds,
        )
        yield _gauge(
            "workers_consuming",
            "Celery workers whose consumer reported within WORKER_HEARTBEAT_MAX_AGE_SECONDS.",
            len(consuming),
        )


def scrape_registry() -> CollectorRegistry:
    """Every process's event series (multiprocess files) plus the database gauges."""
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=settings.PROMETHEUS_MULTIPROC_DIR)
    registry.register(DatabaseCollector())
    return registry
