"""The event series, recorded where things happen, in any process.

prometheus_client runs in multiprocess mode (PROMETHEUS_MULTIPROC_DIR, set in settings): each
gunicorn worker and each Celery pool child writes its own file and /metrics sums them, so a
scrape sees every process on the host, not whichever one answered. Only counters and histograms
live here, each with labels: an unlabelled metric writes its file as soon as the module is
imported, so every manage.py run would leave one behind. States (queue depth, backlog) are read
from the database at scrape time (collectors.py): any process may change them, and a
process-local gauge would be wrong.
"""

from prometheus_client import Counter, Histogram

PREFIX = "accessprogram"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

HTTP_REQUESTS = Counter(
    f"{PREFIX}_http_requests",
    "HTTP requests answered, by route (URL name), method and status.",
    ["view", "method", "status"],
)
HTTP_LATENCY = Histogram(
    f"{PREFIX}_http_request_duration_seconds",
    "Time from the first middleware to the response, by route and method.",
    ["view", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
GENERATION_WAIT = Histogram(
    f"{PREFIX}_generation_queue_wait_seconds",
    "Seconds a finished generation waited in the queue before it was sent to the engine, by "
    "outcome.",
    ["outcome"],
    buckets=(0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600),
)
GENERATION_RENDER = Histogram(
    f"{PREFIX}_generation_render_seconds",
    "Seconds from sending a job to the engine to storing its outcome, by outcome.",
    ["outcome"],
    buckets=(1, 2, 5, 10, 20, 30, 60, 120, 300, 600),
)
GENERATION_FAILURES = Counter(
    f"{PREFIX}_generation_failures",
    "Generations that failed after dispatch, by error code.",
    ["code"],
)
REVOCATION_COMMIT = Histogram(
    f"{PREFIX}_revocation_to_refusal_seconds",
    "From the start of a block (suspension or revocation) to its commit, after which the very "
    "next request is refused; by level (token, membership, cohort, program).",
    ["level"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
EMAIL_FAILURES = Counter(
    f"{PREFIX}_email_failures",
    "Email messages the mail backend failed to hand over: it raised, or (fail_silently) it "
    "sent fewer than it was given.",
    ["failure"],
)
TASK_FAILURES = Counter(
    f"{PREFIX}_celery_task_failures",
    "Celery tasks that raised, by task name.",
    ["task"],
)


def method_label(method: str | None) -> str:
    # Any string can arrive as a method: unknown ones share one label (bounded series).
    return method if method in METHODS else "other"
