"""gunicorn's logger without access lines for successful probes and scrapes.

Use with `gunicorn --access-logfile - --logger-class
accessprogram.observability.gunicorn_logging.QuietProbeLogger`. A load balancer polling /readyz
every few seconds, or Prometheus scraping /metrics, would otherwise fill the run log; failed
probes (4xx/5xx) are still logged because someone should see those.

Nothing here imports prometheus_client: gunicorn's master loads this class before any worker
loads Django settings (which set PROMETHEUS_MULTIPROC_DIR), and workers forked from a master
that had imported it would keep single-process metrics.
"""

from gunicorn.glogging import Logger

QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


class QuietProbeLogger(Logger):
    def access(self, resp, req, environ, request_time):
        status = getattr(resp, "status_code", None) or 0
        if req.path in QUIET_PATHS and isinstance(status, int) and status < 400:
            return
        super().access(resp, req, environ, request_time)
