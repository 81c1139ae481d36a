"""Probe endpoints ahead of everything, and request metrics around everything else."""

import time

from .metrics import HTTP_LATENCY, HTTP_REQUESTS, method_label
from .views import PROBES, serve_probe


class ProbeMiddleware:
    """Answers /healthz, /readyz and /metrics first (see views.py for why)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        view = PROBES.get(request.path_info)
        if view is not None:
            return serve_probe(request, view)
        return self.get_response(request)


def route_label(request) -> str:
    """The URL name (or pattern) that served the request: bounded, unlike raw paths."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"  # 404s, redirects by gates before resolving, oversized bodies
    return match.view_name or match.route or "unnamed"


class RequestMetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        view, method = route_label(request), method_label(request.method)
        HTTP_LATENCY.labels(view=view, method=method).observe(time.perf_counter() - started)
        HTTP_REQUESTS.labels(view=view, method=method, status=str(response.status_code)).inc()
        return response
