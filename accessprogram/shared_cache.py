"""The embedded default's cache: diskcache's Django backend, one set of SQLite files in VAR_DIR.

Every process on the host (gunicorn workers, Celery) sees the same entries, so login throttles
and the token anomaly detector count each request once, whichever worker served it. Production
uses Redis instead (settings.py's guard insists on REDIS_URL).
"""

from diskcache import DjangoCache


class SharedDiskCache(DjangoCache):
    """diskcache.DjangoCache that keeps its connections between requests and never reports a miss
    because a shard was busy."""

    def close(self, **kwargs):
        # Django closes every cache when a request finishes; for DjangoCache that reopens its
        # SQLite connections on each request, about ten times what the anomaly detector's
        # get_many + set cost. Connections are per thread, and reopened after a fork (diskcache
        # compares the process id), so keeping them is safe.
        pass

    def get(self, key, default=None, version=None, read=False, expire_time=False, tag=False):
        # diskcache's get answers `default` when its database is busy past DATABASE_TIMEOUT; a
        # counter read that way would restart from zero and be written back. Wait instead.
        return super().get(key, default, version, read, expire_time, tag, retry=True)
