"""The project's settings plus a bench-only URLconf that adds baseline endpoints.

Set VAR_DIR (and clear DATABASE_URL) before this module loads: the bench runs against a
throwaway SQLite database, never a configured one.
"""

from accessprogram.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
DEBUG = False
# Request logging would cost the server time and flood the terminal.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
# The benches drive one token far past any human rate: keep the anomaly detector counting (its
# cost is part of what they measure) but never suspending the token mid-run.
ANOMALY_MAX_REQUESTS = 10**9
