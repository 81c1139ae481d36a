"""System checks: the counts behind login throttles and token anomaly detection must be shared.

A per-process cache with several web processes gives each worker its own counts: a token used
from a new address per request was suspended only after about n x ANOMALY_MAX_ADDRESSES
addresses, and login limits allowed about n times their attempts.
"""

from django.conf import settings
from django.core import checks
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.utils.module_loading import import_string

# LocMemCache counts per process; DummyCache counts nothing at all.
PER_PROCESS_CACHES = (LocMemCache, DummyCache)


def shared_cache_for_several_web_processes(app_configs=None, **kwargs) -> list[checks.Error]:
    web_processes = settings.WEB_CONCURRENCY
    backend_path = settings.CACHES["default"]["BACKEND"]
    if web_processes <= 1 or not issubclass(import_string(backend_path), PER_PROCESS_CACHES):
        return []
    return [
        checks.Error(
            f"The default cache ({backend_path}) is kept per process, but WEB_CONCURRENCY="
            f"{web_processes} web processes are configured: each would keep its own login "
            "throttle and token anomaly counts.",
            hint="Set REDIS_URL, or keep the embedded default cache (diskcache under VAR_DIR).",
            id="access.E001",
        )
    ]
