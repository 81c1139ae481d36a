"""Readiness checks: can this web process reach what a request needs?

Each check returns a small dict for /readyz: {"ok": bool, "ms": float} and, on failure, the
error's class name (never its message: those can carry hosts and credentials).
"""

import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection

from accessprogram.celery import app as celery_app

from . import selectors


def _timed(check: Callable[[], object]) -> dict:
    started = time.perf_counter()
    try:
        check()
    except Exception as error:
        result = {"ok": False, "error": type(error).__name__}
    else:
        result = {"ok": True}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache() -> None:
    # A round trip through whatever the cache is (Redis in production): set, then read back.
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise LookupError("the cache did not return what was just stored")
    cache.delete(key)


def _broker() -> None:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(
            max_retries=1,
            interval_start=0,
            interval_step=0.2,
            timeout=settings.READINESS_TIMEOUT_SECONDS,
        )
        # Virtual transports (Redis) connect lazily: opening a channel does the real round trip.
        conn.default_channel  # noqa: B018


CHECKS: dict[str, Callable[[], None]] = {
    "database": _database,
    "cache": _cache,
    "broker": _broker,
}


def run_checks() -> dict[str, dict]:
    return {name: _timed(check) for name, check in CHECKS.items()}


def worker_report() -> dict:
    """Informational: whether any Celery worker is consuming (does not decide readiness)."""
    max_age = settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS
    try:
        consuming = selectors.consuming_workers(max_age_seconds=max_age)
    except Exception as error:
        return {"ok": False, "error": type(error).__name__}
    return {"ok": bool(consuming), "consuming": [beat.hostname for beat in consuming]}
