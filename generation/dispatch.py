"""The dispatch sweep: the only code that talks to the engine about jobs.

The database is the source of truth and every step is idempotent, so a worker may die anywhere:
- the engine deduplicates creates by `client_ref` (our public id), so a resent job is not
  rendered twice;
- a result is stored under a fixed key and the job is marked completed together with its Asset
  row in one transaction, so it completes exactly once;
- a lease row makes sweeps take turns and expires if its holder dies.
"""

import contextlib
import logging
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from .engine_client import EngineClient, EngineError, EngineFull, EngineJobNotFound, engine_client
from .fairness import Waiting, standings
from .models import Asset, Dispatcher, Generation
from .provenance.services import ensure_preview
from .references import png_of_stored_image, stored_bytes
from .selectors import DISPATCHER_NAME, fair_queue, render_rate, running_counts, running_limits
from .services import cancel_jobs_without_access
from .signals import generation_finished
from .stitching import stitched_after_source
from .storage import InvalidVideo, create_asset, delete_asset_file, describe_video, save_video

logger = logging.getLogger(__name__)
STANDINGS_BATCH = 500  # rows per UPDATE when placing waiting jobs


class EngineOutage:
    """Says once that the engine is unreachable (and once that it is back), not every sweep.

    The sweep runs every second; a traceback per sweep would bury everything else in the log.
    """

    REMIND_SECONDS = 60.0

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self.down_since: float | None = None
        self.last_said = 0.0

    def failed(self, error: Exception) -> None:
        now = self.clock()
        if self.down_since is None:
            self.down_since = self.last_said = now
            logger.warning("engine unavailable (%s); jobs wait until it answers", error)
        elif now - self.last_said >= self.REMIND_SECONDS:
            self.last_said = now
            logger.warning(
                "engine still unavailable after %.0f s (%s)", now - self.down_since, error
            )

    def recovered(self) -> None:
        if self.down_since is not None:
            logger.warning("engine answers again after %.0f s", self.clock() - self.down_since)
            self.down_since = None


engine_outage = EngineOutage()


@dataclass
class SweepReport:
    ran: bool = False
    dispatched: list[str] = field(default_factory=list)
    completed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    requeued: list[str] = field(default_factory=list)
    released: list[str] = field(default_factory=list)


# --- Lease ---------------------------------------------------------------------------------


def acquire_lease(holder: str) -> bool:
    now = timezone.now()
    with contextlib.suppress(IntegrityError):  # created concurrently by another worker
        Dispatcher.objects.get_or_create(name=DISPATCHER_NAME, defaults={"lease_expires_at": now})
    expires = now + timedelta(seconds=settings.GENERATION_LEASE_SECONDS)
    free = Dispatcher.objects.filter(name=DISPATCHER_NAME, lease_expires_at__lte=now)
    return free.update(holder=holder, lease_expires_at=expires) == 1


def release_lease(holder: str) -> None:
    Dispatcher.objects.filter(name=DISPATCHER_NAME, holder=holder).update(
        holder="", lease_expires_at=timezone.now()
    )


# --- Steps ---------------------------------------------------------------------------------


def _conditioning(generation: Generation) -> dict:
    """What the render starts from, only when there is something (a start frame, characters)."""
    extra = {}
    if generation.reference_key:
        extra["reference_png"] = png_of_stored_image(generation.reference_key)
    characters = [(c.name, stored_bytes(c.frame_key)) for c in generation.characters.all()]
    if characters:
        extra["characters"] = characters
    return extra


def _send(engine: EngineClient, generation: Generation) -> None:
    job = engine.create(
        client_ref=generation.public_id,
        prompt=generation.prompt,
        seconds=generation.seconds,
        size=generation.size,
        seed=generation.seed,
        **_conditioning(generation),
    )
    # Recorded whatever the status now is: a job cancelled meanwhile still needs cleaning up.
    Generation.objects.filter(pk=generation.pk, engine_job_id__isnull=True).update(
        engine_job_id=job.id
    )
    generation.engine_job_id = job.id


def _requeue(generation: Generation, report: SweepReport) -> None:
    requeued = Generation.objects.filter(
        pk=generation.pk,
        status=Generation.Status.IN_PROGRESS,
        engine_job_id=generation.engine_job_id,
    ).update(status=Generation.Status.QUEUED, engine_job_id=None, dispatched_at=None, progress=0)
    if requeued:
        report.requeued.append(generation.public_id)


def _fail(generation: Generation, *, code: str, message: str, report: SweepReport) -> None:
    failed = Generation.objects.filter(
        pk=generation.pk, status=Generation.Status.IN_PROGRESS
    ).update(
        status=Generation.Status.FAILED,
        error_code=code[:64],
        error_message=message[:500],
        completed_at=timezone.now(),
        engine_cleanup_pending=True,
    )
    if failed:
        report.failed.append(generation.public_id)
        _finished(generation, outcome="failed", error_code=code[:64])
        logger.warning("%s failed (%s): %s", generation.public_id, code, message)


def _still_running(generation: Generation) -> bool:
    """Stitching takes seconds: a sweep that took over an expired lease may have stored the
    result (under the same fixed key) meanwhile, and must not be overwritten or deleted."""
    return Generation.objects.filter(
        pk=generation.pk, status=Generation.Status.IN_PROGRESS
    ).exists()


def _store_result(engine: EngineClient, generation: Generation, report: SweepReport) -> None:
    with engine.download(generation.engine_job_id) as download:
        try:
            # An extension is stored as its source with the new segment stitched on.
            with stitched_after_source(generation, download) as spool:
                facts = describe_video(spool)
                if not _still_running(generation):
                    return  # stored meanwhile by a sweep that took over: keep its file
                key = save_video(generation=generation, stream=spool)
        except InvalidVideo as error:
            _fail(generation, code="invalid_output", message=str(error), report=report)
            return
    with transaction.atomic():
        completed = Generation.objects.filter(
            pk=generation.pk, status=Generation.Status.IN_PROGRESS
        ).update(
            status=Generation.Status.COMPLETED,
            progress=100,
            completed_at=timezone.now(),
            engine_cleanup_pending=True,
        )
        if not completed:  # cancelled while we downloaded: drop the file
            transaction.on_commit(lambda: delete_asset_file(Asset(storage_key=key)))
            return
        create_asset(generation=generation, key=key, facts=facts)
        # Testers only ever see a watermarked preview: its build starts after this commit.
        ensure_preview(generation=Generation.objects.select_related("asset").get(pk=generation.pk))
    report.completed.append(generation.public_id)
    wait, render = _finished(generation, outcome="completed", error_code="")
    logger.info("%s completed: %.1f s queued, %.1f s rendering", generation.public_id, wait, render)


def _finished(generation: Generation, *, outcome: str, error_code: str) -> tuple[float, float]:
    """Tell observers how long the job waited and rendered; returns both in seconds."""
    now = timezone.now()
    sent = generation.dispatched_at or now
    wait = max((sent - generation.created_at).total_seconds(), 0.0)
    render = max((now - sent).total_seconds(), 0.0)
    generation_finished.send_robust(
        sender=Generation,
        public_id=generation.public_id,
        outcome=outcome,
        error_code=error_code,
        wait_seconds=wait,
        render_seconds=render,
    )
    return wait, render


def follow_running(engine: EngineClient, report: SweepReport) -> None:
    redispatch_before = timezone.now() - timedelta(
        seconds=settings.GENERATION_REDISPATCH_AFTER_SECONDS
    )
    for generation in Generation.objects.filter(status=Generation.Status.IN_PROGRESS).order_by(
        "dispatched_at"
    ):
        if generation.engine_job_id is None:
            # Claimed by a sweep that died before recording the engine id: resend (idempotent).
            if generation.dispatched_at and generation.dispatched_at < redispatch_before:
                _send(engine, generation)
            continue
        try:
            job = engine.get(generation.engine_job_id)
        except EngineJobNotFound:
            _requeue(generation, report)  # the engine restarted and lost it
            continue
        if job.status == "completed":
            _store_result(engine, generation, report)
        elif job.status in ("failed", "cancelled"):
            message = job.error_message or f"The engine reported the job {job.status}."
            _fail(
                generation, code=job.error_code or "render_failed", message=message, report=report
            )
        elif job.progress != generation.progress:
            # Never 100 before the file is stored: completion is ours to declare.
            Generation.objects.filter(
                pk=generation.pk, status=Generation.Status.IN_PROGRESS
            ).update(progress=min(job.progress, 99))


def release_engine_jobs(engine: EngineClient, report: SweepReport) -> None:
    """Delete engine jobs we no longer need (finished, failed or cancelled)."""
    pending = Generation.objects.filter(engine_cleanup_pending=True).exclude(
        status__in=Generation.ACTIVE_STATUSES
    )
    for generation in pending:
        if generation.engine_job_id is None and generation.dispatched_at is not None:
            # Cancelled while being sent: learn the engine id (create is idempotent) to stop it.
            # A full engine answers 429 only for refs it does not know: nothing to stop then.
            with contextlib.suppress(EngineFull):
                _send(engine, generation)
        if generation.engine_job_id:
            engine.delete(generation.engine_job_id)
        Generation.objects.filter(pk=generation.pk).update(engine_cleanup_pending=False)
        report.released.append(generation.public_id)


def dispatch_queued(engine: EngineClient, report: SweepReport) -> None:
    """Fill free engine slots in fair order, then place every job still waiting."""
    capacity = engine.capacity()
    Dispatcher.objects.filter(name=DISPATCHER_NAME).update(
        engine_slots=capacity.slots, engine_seen_at=timezone.now()
    )
    free = capacity.free
    queue = fair_queue()
    limits = running_limits({job.key for job in queue})
    running = running_counts() if free > 0 else Counter()
    dispatched: set[int] = set()
    for job in queue:
        if free <= 0:
            break
        if running[job.key] >= limits.get(job.key, 1):
            continue
        claimed = Generation.objects.filter(pk=job.id, status=Generation.Status.QUEUED).update(
            status=Generation.Status.IN_PROGRESS, dispatched_at=timezone.now(), progress=0
        )
        if not claimed:
            continue
        generation = Generation.objects.get(pk=job.id)
        try:
            _send(engine, generation)
        except EngineError:
            Generation.objects.filter(
                pk=job.id, status=Generation.Status.IN_PROGRESS, engine_job_id__isnull=True
            ).update(status=Generation.Status.QUEUED, dispatched_at=None)
            raise
        running[job.key] += 1
        free -= 1
        dispatched.add(job.id)
        report.dispatched.append(generation.public_id)
    waiting = [job for job in queue if job.id not in dispatched]
    place_waiting_jobs(waiting, slots=capacity.slots, limits=limits)


def place_waiting_jobs(queue: list[Waiting], *, slots: int, limits) -> None:
    """Store each waiting job's place and ETA on its row (status polls read just that row).

    Only rows whose standing changed are written; a queued job outside the queue (its program
    is paused) loses its place.
    """
    placed = standings(queue, slots=slots, limits=limits, seconds_per_video_second=render_rate())
    changed = []
    stored = Generation.objects.filter(status=Generation.Status.QUEUED).values_list(
        "id", "queue_position", "queue_eta_seconds"
    )
    for pk, position, eta_seconds in stored.iterator(chunk_size=2000):
        standing = placed.get(pk)
        new = (standing.position, int(standing.eta.total_seconds())) if standing else (None, None)
        if new != (position, eta_seconds):
            changed.append(Generation(pk=pk, queue_position=new[0], queue_eta_seconds=new[1]))
    Generation.objects.bulk_update(
        changed, ["queue_position", "queue_eta_seconds"], batch_size=STANDINGS_BATCH
    )


def advance(*, client_factory=engine_client) -> SweepReport:
    """One sweep: clean up, follow running jobs, then fill free engine slots fairly."""
    report = SweepReport()
    holder = uuid.uuid4().hex
    if not acquire_lease(holder):
        return report
    report.ran = True
    try:
        with client_factory() as engine:
            cancel_jobs_without_access()
            release_engine_jobs(engine, report)
            follow_running(engine, report)
            dispatch_queued(engine, report)
    except EngineFull:
        pass  # slots filled up between the capacity check and the create: next sweep
    except EngineError as error:
        engine_outage.failed(error)
    else:
        engine_outage.recovered()
    finally:
        release_lease(holder)
    # Completions and failures are logged one line per job where they happen.
    for event in ("dispatched", "requeued"):
        if ids := getattr(report, event):
            logger.info("%s: %s", event, ", ".join(ids))
    return report
