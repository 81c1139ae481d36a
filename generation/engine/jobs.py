"""In-memory job registry plus a fixed pool of render slots.

One lock guards all job state; renders run on a ThreadPoolExecutor sized to the
slot count. Admission is decided here (not by the executor's queue): a job is only
accepted while fewer than `slots` jobs are queued or in progress, because the
platform does its own fair queueing and must see "no free slot" instead.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from .render import RenderCancelled, render_video

logger = logging.getLogger(__name__)

ACTIVE = ("queued", "in_progress")


class NoFreeSlot(Exception):
    """Every render slot is taken; the caller should retry later."""


@dataclass
class Job:
    id: str
    prompt: str
    seconds: int
    width: int
    height: int
    seed: int
    client_ref: str | None
    path: str
    reference: bytes | None = None  # an image to start from (decoded by the render)
    characters: list[bytes] = field(default_factory=list)  # images shown as insets
    created_at: int = field(default_factory=lambda: int(time.time()))
    status: str = "queued"
    progress: int = 0
    completed_at: int | None = None
    error: dict[str, str] | None = None
    # Set on delete/shutdown; the render polls it every frame via should_stop.
    cancel: threading.Event = field(default_factory=threading.Event)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "video",
            "status": self.status,
            "progress": self.progress,
            "prompt": self.prompt,
            "seconds": str(self.seconds),
            "size": f"{self.width}x{self.height}",
            "seed": self.seed,
            "client_ref": self.client_ref,
            "input_reference": self.reference is not None,
            "characters": len(self.characters),
            "created_at": self.created_at,
            "completed_at": self.completed_at,
            "error": dict(self.error) if self.error else None,
        }


class JobRegistry:
    def __init__(
        self, *, slots: int, seconds_per_video_second: float, output_dir: str | None = None
    ) -> None:
        if slots < 1:
            raise ValueError("slots must be >= 1")
        if seconds_per_video_second < 0:
            raise ValueError("seconds_per_video_second must be >= 0")
        self.slots = slots
        self.seconds_per_video_second = seconds_per_video_second
        self._output_dir = output_dir
        self._owns_output_dir = output_dir is None
        if output_dir is not None:
            os.makedirs(output_dir, exist_ok=True)
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}  # insertion order == creation order
        self._by_ref: dict[str, str] = {}
        self._started = 0  # renders ever started: lets operators (and tests) count real work
        # Creating an executor starts no threads, so building an app at import is cheap.
        self._pool = ThreadPoolExecutor(max_workers=slots, thread_name_prefix="render")

    @property
    def output_dir(self) -> str:
        # The default temp dir is made lazily so importing the app module touches no disk.
        with self._lock:
            if self._output_dir is None:
                self._output_dir = tempfile.mkdtemp(prefix="video-engine-")
            return self._output_dir

    def submit(
        self,
        *,
        prompt: str,
        seconds: int,
        width: int,
        height: int,
        seed: int,
        client_ref: str | None,
        reference: bytes | None = None,
        characters: list[bytes] | None = None,
    ) -> tuple[dict[str, Any], bool]:
        """Start a render; returns (job snapshot, created). Raises NoFreeSlot when full.

        A known client_ref returns the existing job (created=False) even when full, so a
        client retrying after a crash can never cause a second render.
        """
        output_dir = self.output_dir
        with self._lock:
            if client_ref is not None and client_ref in self._by_ref:
                return self._jobs[self._by_ref[client_ref]].to_dict(), False
            if self._busy() >= self.slots:
                raise NoFreeSlot
            job_id = f"job_{uuid.uuid4().hex}"
            job = Job(
                id=job_id,
                prompt=prompt,
                seconds=seconds,
                width=width,
                height=height,
                seed=seed,
                client_ref=client_ref,
                path=os.path.join(output_dir, f"{job_id}.mp4"),
                reference=reference,
                characters=list(characters or []),
            )
            try:
                self._pool.submit(self._run, job)
            except RuntimeError:  # pool already shut down: the engine is stopping
                raise NoFreeSlot from None
            self._jobs[job_id] = job
            self._started += 1
            if client_ref is not None:
                self._by_ref[client_ref] = job_id
            return job.to_dict(), True

    def get(self, job_id: str) -> dict[str, Any] | None:
        with self._lock:
            job = self._jobs.get(job_id)
            return job.to_dict() if job else None

    def content_path(self, job_id: str) -> tuple[str | None, str | None]:
        """(status, path) where path is set only for a completed job; (None, None) if unknown."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return None, None
            return job.status, job.path if job.status == "completed" else None

    def list_jobs(self) -> list[dict[str, Any]]:
        with self._lock:
            return [job.to_dict() for job in reversed(self._jobs.values())]

    def capacity(self) -> dict[str, int]:
        with self._lock:
            return {"slots": self.slots, "busy": self._busy(), "started": self._started}

    def delete(self, job_id: str) -> bool:
        """Forget a job, signal its render to stop and remove its file. False if unknown."""
        with self._lock:
            job = self._jobs.pop(job_id, None)
            if job is None:
                return False
            if job.client_ref is not None:
                self._by_ref.pop(job.client_ref, None)
            if job.status in ACTIVE:
                job.status = "cancelled"
            job.cancel.set()
        # A running render deletes its own partial file; this covers finished ones.
        with suppress(FileNotFoundError):
            os.remove(job.path)
        return True

    def shutdown(self) -> None:
        """Cancel every render, wait for the slots to drain, drop an owned temp dir."""
        with self._lock:
            for job in self._jobs.values():
                job.cancel.set()
        self._pool.shutdown(wait=True, cancel_futures=True)
        if self._owns_output_dir and self._output_dir is not None:
            shutil.rmtree(self._output_dir, ignore_errors=True)

    def _busy(self) -> int:
        return sum(job.status in ACTIVE for job in self._jobs.values())

    def _run(self, job: Job) -> None:
        with self._lock:
            if job.cancel.is_set():
                return
            job.status = "in_progress"
        started = time.monotonic()
        min_duration = job.seconds * self.seconds_per_video_second

        def on_frame(done: int, total: int) -> None:
            with self._lock:
                # 100 is reserved for "completed" (the mux trailer is still to be written).
                job.progress = min(99, done * 100 // total)
            # Pace to the speed factor; waiting on the event keeps cancellation instant.
            delay = started + min_duration * done / total - time.monotonic()
            if delay > 0:
                job.cancel.wait(delay)

        try:
            render_video(
                prompt=job.prompt,
                seed=job.seed,
                seconds=job.seconds,
                width=job.width,
                height=job.height,
                path=job.path,
                reference=job.reference,
                characters=job.characters,
                on_frame=on_frame,
                should_stop=job.cancel.is_set,
            )
        except RenderCancelled:
            return
        except Exception as exc:
            logger.exception("render of %s failed", job.id)
            with self._lock:
                job.status = "failed"
                job.error = {"code": "render_failed", "message": f"{type(exc).__name__}: {exc}"}
            return
        with self._lock:
            if not job.cancel.is_set():
                job.status, job.progress = "completed", 100
                job.completed_at = int(time.time())
                return
        # Deleted between the last frame and now: nobody will ever fetch this file.
        with suppress(FileNotFoundError):
            os.remove(job.path)
