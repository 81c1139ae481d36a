"""Starlette app exposing the engine's OpenAI-videos-style HTTP contract.

Run with ``python -m generation.engine`` or ``uvicorn generation.engine.app:app``
(the module-level ``app`` is configured from ENGINE_* environment variables).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from .conditioning import InvalidRequest, parse_characters, parse_reference
from .jobs import JobRegistry, NoFreeSlot

SECONDS = ("4", "8", "12")
SIZES = ("1280x720", "720x1280", "1024x1792", "1792x1024")
MAX_PROMPT = 4000
MAX_CLIENT_REF = 100
MAX_SEED = 2**31 - 1
PUBLIC_PATHS = frozenset({"/healthz", "/readyz"})
# Polled every second by the dispatcher (capacity, and each running job's status) and by
# supervisors (health): an access line for each would bury the requests, jobs and errors a person
# reads the log for. Creates, downloads and deletes still show, as does any failed poll.
QUIET_PATHS = frozenset({"/healthz", "/readyz", "/v1/capacity"})
JOB_STATUS = re.compile(r"/v1/videos/[^/]+")


def is_poll(method: str, path: str) -> bool:
    return method == "GET" and (path in QUIET_PATHS or JOB_STATUS.fullmatch(path) is not None)


class QuietPollsFilter(logging.Filter):
    """Drops uvicorn access lines of successful polls."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        # uvicorn.access records carry (client, method, path, http_version, status).
        if not isinstance(args, tuple) or len(args) != 5:
            return True
        method, path, status = str(args[1]), str(args[2]).split("?", 1)[0], args[4]
        return not (is_poll(method, path) and isinstance(status, int) and status < 400)


QUIET_POLLS = QuietPollsFilter()


def quiet_access_log() -> None:
    logging.getLogger("uvicorn.access").addFilter(QUIET_POLLS)  # idempotent: same instance


def error_response(
    status: int, message: str, type_: str, *, param: str | None = None, code: str | None = None
) -> JSONResponse:
    body = {"error": {"message": message, "type": type_, "param": param, "code": code}}
    return JSONResponse(body, status_code=status)


class BearerAuth:
    """Pure ASGI middleware (no BaseHTTPMiddleware) so streamed file responses pass through."""

    def __init__(self, app: ASGIApp, secret: str) -> None:
        self.app = app
        self.secret = secret.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["path"] not in PUBLIC_PATHS
            and not self._authorized(scope)
        ):
            response = error_response(
                401,
                "Missing or invalid bearer token.",
                "authentication_error",
                code="invalid_api_key",
            )
            response.headers["WWW-Authenticate"] = "Bearer"
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _authorized(self, scope: Scope) -> bool:
        # Raw header bytes: compare_digest on str rejects non-ASCII input with TypeError.
        value = dict(scope["headers"]).get(b"authorization", b"")
        scheme, _, token = value.partition(b" ")
        return scheme.lower() == b"bearer" and hmac.compare_digest(token.strip(), self.secret)


def default_seed(prompt: str) -> int:
    return int.from_bytes(hashlib.sha256(prompt.encode()).digest()[:4], "big") & MAX_SEED


def parse_create(body: Any) -> dict[str, Any]:
    """Validate a POST /v1/videos body; raises InvalidRequest naming the bad field."""
    if not isinstance(body, dict):
        raise InvalidRequest("Request body must be a JSON object.", None, "invalid_json")
    prompt = body.get("prompt")
    if prompt is None:
        raise InvalidRequest("Missing required parameter: 'prompt'.", "prompt", "missing_required")
    if not isinstance(prompt, str) or not prompt.strip() or len(prompt) > MAX_PROMPT:
        raise InvalidRequest(f"'prompt' must be a string of 1..{MAX_PROMPT} characters.", "prompt")

    # Optional fields treat an explicit null the same as leaving them out.
    seconds = "4" if body.get("seconds") is None else body["seconds"]
    # Accept "4" or 4, but not 4.0 or True (str() of those is "4.0" / "True").
    if not isinstance(seconds, str | int) or str(seconds) not in SECONDS:
        raise InvalidRequest("'seconds' must be one of '4', '8', '12'.", "seconds")

    size = "1280x720" if body.get("size") is None else body["size"]
    if size not in SIZES:
        raise InvalidRequest(f"'size' must be one of {', '.join(SIZES)}.", "size")
    width, height = (int(part) for part in size.split("x"))

    seed = body.get("seed")
    if seed is None:
        seed = default_seed(prompt)
    elif isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise InvalidRequest(f"'seed' must be an integer in 0..{MAX_SEED}.", "seed")

    reference = parse_reference(body.get("input_reference"), width, height)
    characters = parse_characters(body.get("characters"))

    client_ref = body.get("client_ref")
    if client_ref is not None and (
        not isinstance(client_ref, str) or not 1 <= len(client_ref) <= MAX_CLIENT_REF
    ):
        raise InvalidRequest(
            f"'client_ref' must be a string of 1..{MAX_CLIENT_REF} characters.", "client_ref"
        )
    return {
        "prompt": prompt,
        "seconds": int(str(seconds)),
        "width": width,
        "height": height,
        "seed": seed,
        "client_ref": client_ref,
        "reference": reference,
        "characters": characters,
    }


def not_found(job_id: str) -> JSONResponse:
    return error_response(
        404, f"No video with id '{job_id}'.", "not_found_error", param="id", code="not_found"
    )


def create_app(
    *, secret: str, slots: int, seconds_per_video_second: float, output_dir: str | None = None
) -> Starlette:
    if not secret:
        raise ValueError("an engine secret is required")
    registry = JobRegistry(
        slots=slots, seconds_per_video_second=seconds_per_video_second, output_dir=output_dir
    )

    def health() -> dict[str, Any]:
        capacity = registry.capacity()
        free = max(capacity["slots"] - capacity["busy"], 0)
        return {
            "ok": True,
            "slots": capacity["slots"],
            "busy": capacity["busy"],
            "free": free,
            "has_capacity": free > 0,
        }

    async def healthz(request: Request) -> Response:
        """Liveness, with capacity for the curious: a busy engine is still a healthy one."""
        return JSONResponse(health())

    async def readyz(request: Request) -> Response:
        """Ready to take a job now: 503 while every render slot is busy (a load balancer in
        front of several engines sends new jobs elsewhere)."""
        body = health()
        return JSONResponse(body, status_code=200 if body["has_capacity"] else 503)

    async def create_video(request: Request) -> Response:
        try:
            body = json.loads(await request.body())
        except (ValueError, UnicodeDecodeError):
            return error_response(
                400, "Request body is not valid JSON.", "invalid_request_error", code="invalid_json"
            )
        try:
            params = parse_create(body)
        except InvalidRequest as exc:
            return error_response(
                400, str(exc), "invalid_request_error", param=exc.param, code=exc.code
            )
        try:
            # Threadpool: the first submit may create the temp output dir.
            job, created = await run_in_threadpool(lambda: registry.submit(**params))
        except NoFreeSlot:
            return error_response(
                429,
                f"All {registry.slots} render slots are busy; retry later.",
                "rate_limit_error",
                code="no_free_slot",
            )
        return JSONResponse(job, status_code=201 if created else 200)

    async def list_videos(request: Request) -> Response:
        return JSONResponse({"object": "list", "data": registry.list_jobs()})

    async def get_video(request: Request) -> Response:
        job_id = request.path_params["job_id"]
        job = registry.get(job_id)
        return JSONResponse(job) if job else not_found(job_id)

    async def video_content(request: Request) -> Response:
        job_id = request.path_params["job_id"]
        status, path = registry.content_path(job_id)
        if status is None:
            return not_found(job_id)
        if path is None:
            return error_response(
                409,
                f"Video '{job_id}' is {status}; content is only available once completed.",
                "conflict_error",
                code="not_ready",
            )
        return FileResponse(path, media_type="video/mp4", filename=f"{job_id}.mp4")

    async def delete_video(request: Request) -> Response:
        job_id = request.path_params["job_id"]
        if not await run_in_threadpool(registry.delete, job_id):
            return not_found(job_id)
        return JSONResponse({"id": job_id, "object": "video.deleted", "deleted": True})

    async def capacity(request: Request) -> Response:
        return JSONResponse(registry.capacity())

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        type_ = "not_found_error" if exc.status_code == 404 else "invalid_request_error"
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code)
        return error_response(exc.status_code, str(exc.detail), type_, code=code)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        # Stop renders promptly so SIGTERM does not wait for clips to finish.
        await run_in_threadpool(registry.shutdown)

    app = Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/v1/videos", create_video, methods=["POST"]),
            Route("/v1/videos", list_videos, methods=["GET"]),
            Route("/v1/videos/{job_id}", get_video, methods=["GET"]),
            Route("/v1/videos/{job_id}", delete_video, methods=["DELETE"]),
            Route("/v1/videos/{job_id}/content", video_content, methods=["GET"]),
            Route("/v1/capacity", capacity),
        ],
        middleware=[Middleware(BearerAuth, secret=secret)],
        exception_handlers={HTTPException: http_error},
        lifespan=lifespan,
    )
    app.state.registry = registry
    quiet_access_log()
    return app


def settings_from_env() -> dict[str, Any]:
    """ENGINE_* settings shared by the module-level app and the CLI defaults."""
    return {
        "host": os.environ.get("ENGINE_HOST", "127.0.0.1"),
        "port": int(os.environ.get("ENGINE_PORT", "8100")),
        "slots": int(os.environ.get("ENGINE_SLOTS", "2")),
        "seconds_per_video_second": float(os.environ.get("ENGINE_SECONDS_PER_VIDEO_SECOND", "0.5")),
        "secret": os.environ.get("ENGINE_SECRET", "dev-engine-secret"),
        "output_dir": os.environ.get("ENGINE_OUTPUT_DIR") or None,
    }


def _app_from_env() -> Starlette:
    settings = settings_from_env()
    return create_app(
        secret=settings["secret"],
        slots=settings["slots"],
        seconds_per_video_second=settings["seconds_per_video_second"],
        output_dir=settings["output_dir"],
    )


# For `uvicorn generation.engine.app:app`. Cheap to build: no threads start and, unless
# ENGINE_OUTPUT_DIR is set, nothing touches the disk until the first render.
app = _app_from_env()
