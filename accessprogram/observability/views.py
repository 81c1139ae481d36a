"""Probe endpoints: /healthz (alive), /readyz (dependencies reachable), /metrics (Prometheus).

Served by ProbeMiddleware before any other middleware, so no session, CSRF, host, HTTPS
redirect, MFA or agreement rule applies, and none of them touches the database first.
"""

import logging

from django.http import HttpResponse, HttpResponseNotAllowed, JsonResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from . import checks
from .access_control import Decision, decide
from .collectors import scrape_registry

logger = logging.getLogger(__name__)
# Failed checks at the last /readyz in this process: an outage is logged when it starts and
# ends, not once per probe.
_last_failed: list[str] = []


def healthz(request):
    """Liveness: the process answers. Touches nothing else, so a database outage does not get
    every web process restarted."""
    return JsonResponse({"status": "ok"})


def readyz(request):
    results = checks.run_checks()
    failed = [name for name, result in results.items() if not result["ok"]]
    body = {
        "status": "unavailable" if failed else "ok",
        "checks": results,
        # Informational: pages and the API work without a worker; jobs wait in the queue.
        "worker": checks.worker_report(),
    }
    _log_change(failed, results)
    if failed:
        body["failed"] = failed
    response = JsonResponse(body, status=503 if failed else 200)
    response._has_been_logged = True  # Django would log every failing probe; _log_change did
    return response


def _log_change(failed: list[str], results: dict) -> None:
    global _last_failed
    if failed == _last_failed:
        return
    if failed:
        errors = ", ".join(f"{name} ({results[name].get('error')})" for name in failed)
        logger.error("not ready: %s unreachable", errors)
    else:
        logger.warning("ready again: %s reachable", ", ".join(results))
    _last_failed = failed


def metrics(request):
    decision = decide(request.META)
    if decision is Decision.HIDE:
        return HttpResponse("Not Found", status=404, content_type="text/plain")
    if decision is Decision.DENY:
        response = HttpResponse("Forbidden", status=403, content_type="text/plain")
        response["WWW-Authenticate"] = "Bearer"
        return response
    return HttpResponse(generate_latest(scrape_registry()), content_type=CONTENT_TYPE_LATEST)


PROBES = {"/healthz": healthz, "/readyz": readyz, "/metrics": metrics}


def serve_probe(request, view):
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    response = view(request)
    response["Cache-Control"] = "no-store"
    return response
