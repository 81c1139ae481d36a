"""Reads: what a tester may see, and where each waiting job stands in the fair queue."""

import math
from collections import Counter
from datetime import timedelta

from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    QuerySet,
    Sum,
)

from accessprogram.access.blocks import blocked_target_ids
from accessprogram.access.models import AccessBlock
from accessprogram.prepared_lookup import PreparedLookup
from accessprogram.programs.models import Membership, Program

from .fairness import QueueStanding, TesterKey, Waiting, fair_order
from .models import Asset, Dispatcher, Generation
from .provenance.selectors import with_preview_status

DEFAULT_RENDER_SECONDS_PER_VIDEO_SECOND = 1.0
DISPATCHER_NAME = "generation"


def visible_generations(*, user, program: Program | None = None) -> QuerySet[Generation]:
    """A tester's own generations (optionally in one program), deleted ones left out."""
    generations = Generation.objects.filter(tester=user, deleted_at__isnull=True)
    if program is not None:
        generations = generations.filter(program=program)
    return generations.select_related("program").annotate(source_public_id=F("source__public_id"))


class VideoCursorUnknown(Exception):
    """`after` names no video of this tester in this program (deleted ones still count)."""


def video_page(
    generations: QuerySet[Generation],
    *,
    membership: Membership,
    after: str | None,
    limit: int,
    order: str,
) -> tuple[list[Generation], bool]:
    """One page of `generations` by creation time ("asc" or "desc"), after the video `after`;
    returns the page and whether more follow. Keyset paging: as fast on page 500 as on page 1."""
    ascending = order == "asc"
    generations = generations.order_by(
        *(("created_at", "id") if ascending else ("-created_at", "-id"))
    )
    if after:
        # A cursor may name a video deleted since the previous page: it still marks a place.
        cursor = (
            Generation.objects.filter(
                tester_id=membership.user_id, program_id=membership.program_id, public_id=after
            )
            .only("created_at")
            .first()
        )
        if cursor is None:
            raise VideoCursorUnknown(after)
        if ascending:
            generations = generations.filter(created_at__gte=cursor.created_at).exclude(
                created_at=cursor.created_at, id__lte=cursor.id
            )
        else:
            generations = generations.filter(created_at__lte=cursor.created_at).exclude(
                created_at=cursor.created_at, id__gte=cursor.id
            )
    page = list(generations[: limit + 1])
    return page[:limit], len(page) > limit


def _tester_video_query(*, tester_id, program_id, public_id) -> QuerySet[Generation]:
    return (
        with_preview_status(visible_generations(user=tester_id, program=program_id))
        .select_related(None)
        .annotate(has_original=Exists(Asset.objects.filter(generation=OuterRef("pk"))))
        .filter(public_id=public_id)
    )


_tester_video = PreparedLookup(
    Generation,
    _tester_video_query,
    markers={
        "tester_id": -7_000_001,
        "program_id": -7_000_002,
        "public_id": "prepared-lookup:public_id",
    },
)


def tester_video(*, tester_id: int, program_id: int, public_id: str) -> Generation | None:
    """A tester's video in one program by its public id (None: not theirs, or deleted), with
    `preview_status`, `preview_error` and `has_original` (its finished file exists): everything
    a status poll shows, in one query compiled once (accessprogram.prepared_lookup)."""
    return _tester_video.first(tester_id=tester_id, program_id=program_id, public_id=public_id)


def running_counts() -> Counter:
    rows = (
        Generation.objects.filter(status=Generation.Status.IN_PROGRESS)
        .values("tester_id", "program_id")
        .annotate(n=Count("id"))
    )
    return Counter({(row["tester_id"], row["program_id"]): row["n"] for row in rows})


def last_dispatch_times(keys: set[TesterKey]) -> dict:
    tester_ids = {tester_id for tester_id, _ in keys}
    rows = (
        Generation.objects.filter(tester_id__in=tester_ids, dispatched_at__isnull=False)
        .values("tester_id", "program_id")
        .annotate(last=Max("dispatched_at"))
    )
    return {(row["tester_id"], row["program_id"]): row["last"] for row in rows}


def running_limits(keys: set[TesterKey]) -> dict[TesterKey, int]:
    """Each tester's running-job limit: their cohort's override, else the program's."""
    memberships = Membership.objects.filter(
        user_id__in={tester_id for tester_id, _ in keys},
        program_id__in={program_id for _, program_id in keys},
    ).select_related("program", "cohort")
    return {(m.user_id, m.program_id): m.effective_running_limit for m in memberships}


def waiting_jobs() -> list[Waiting]:
    # A paused program's jobs wait (the kill switch cancels them just after it returns).
    rows = (
        Generation.objects.filter(
            status=Generation.Status.QUEUED, program__status=Program.Status.ACTIVE
        )
        .exclude(program_id__in=blocked_target_ids(level=AccessBlock.Level.PROGRAM))
        .values_list("id", "tester_id", "program_id", "created_at", "seconds")
    )
    return [
        Waiting(id=pk, key=(tester_id, program_id), created_at=created, seconds=seconds)
        for pk, tester_id, program_id, created, seconds in rows
    ]


def fair_queue() -> list[Waiting]:
    waiting = waiting_jobs()
    keys = {job.key for job in waiting}
    return fair_order(waiting, running=running_counts(), last_dispatched=last_dispatch_times(keys))


def render_rate() -> float:
    """Observed wall seconds per second of video over recent completed jobs."""
    recent = (
        Generation.objects.filter(status=Generation.Status.COMPLETED, dispatched_at__isnull=False)
        .annotate(
            took=ExpressionWrapper(
                F("completed_at") - F("dispatched_at"), output_field=DurationField()
            )
        )
        .order_by("-completed_at")
        .values_list("took", "seconds")[:20]
    )
    rates = [took.total_seconds() / seconds for took, seconds in recent if took is not None]
    return sum(rates) / len(rates) if rates else DEFAULT_RENDER_SECONDS_PER_VIDEO_SECOND


def engine_slots() -> int:
    dispatcher = Dispatcher.objects.filter(name=DISPATCHER_NAME).first()
    return dispatcher.engine_slots if dispatcher else 1


def queue_standing(*, generation: Generation) -> QueueStanding | None:
    """Where a queued job stands, as the last sweep placed it (no query: it is on the row).

    A job queued since the last sweep gets a first-come estimate until the sweep (within a
    second) places it fairly. None when it is not waiting.
    """
    if generation.status != Generation.Status.QUEUED:
        return None
    if generation.queue_position is None:
        return _provisional_standing(generation)
    return QueueStanding(
        position=generation.queue_position,
        eta=timedelta(seconds=generation.queue_eta_seconds or 0),
    )


def _provisional_standing(generation: Generation) -> QueueStanding:
    """First come, first served: the jobs queued before this one, spread over the engine."""
    ahead = Generation.objects.filter(
        status=Generation.Status.QUEUED, created_at__lt=generation.created_at
    ).aggregate(jobs=Count("id"), seconds=Sum("seconds"))
    waiting = (ahead["seconds"] or 0) / max(engine_slots(), 1)
    seconds = (waiting + generation.seconds) * render_rate()
    return QueueStanding(position=ahead["jobs"] + 1, eta=timedelta(seconds=math.ceil(seconds)))


def remaining_time(*, generation: Generation) -> timedelta | None:
    """Estimated time left for a running job, from its progress and the observed rate."""
    if generation.status != Generation.Status.IN_PROGRESS:
        return None
    left = generation.seconds * render_rate() * (100 - generation.progress) / 100
    return timedelta(seconds=math.ceil(left))
