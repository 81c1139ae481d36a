"""Writes for generation requests made by testers (through the API or the portal)."""

import hashlib
from datetime import datetime, time

from django.db import transaction
from django.utils import timezone

from accessprogram.access.blocks import block_in_force, blocked_rows, reached_rows
from accessprogram.access.models import ApiToken
from accessprogram.audit.services import record
from accessprogram.programs.models import Membership

from .characters import named_characters
from .models import MODEL_CHOICES, SECONDS_CHOICES, SIZE_CHOICES, Generation
from .references import ReferenceImage, store_image
from .storage import delete_asset_file, delete_stored_files

MAX_PROMPT_LENGTH = 4000
MAX_SEED = 2**31 - 1


class GenerationRejected(Exception):
    """A request the tester can fix (bad parameters). `param` names the offending field."""

    def __init__(self, message: str, *, param: str | None = None):
        super().__init__(message)
        self.param = param


class AccessWithdrawn(Exception):
    """The tester's access (token, membership, cohort or program) is blocked right now."""


class GenerationLimitReached(Exception):
    """The tester is over the daily quota or holds too many unfinished jobs."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.code = code


def _enqueue_sweep() -> None:
    from .tasks import advance_generations  # tasks import services; import late to avoid a cycle

    transaction.on_commit(advance_generations.delay)


def _start_of_utc_day(now: datetime) -> datetime:
    return datetime.combine(now.date(), time.min, tzinfo=now.tzinfo)


def _default_seed(prompt: str) -> int:
    return int.from_bytes(hashlib.sha256(prompt.encode()).digest()[:4], "big") & MAX_SEED


def validate_request(*, prompt: str, seconds, size: str, model: str, seed) -> tuple[int, int]:
    """Check parameters; return (seconds, seed) as integers."""
    if not prompt or not prompt.strip():
        raise GenerationRejected("A prompt is required.", param="prompt")
    if len(prompt) > MAX_PROMPT_LENGTH:
        raise GenerationRejected(
            f"The prompt is longer than {MAX_PROMPT_LENGTH} characters.", param="prompt"
        )
    # Compared as text: the API sends "4", forms and code send 4; nothing else is a length.
    seconds = int(seconds) if str(seconds) in {str(s) for s in SECONDS_CHOICES} else None
    if seconds not in SECONDS_CHOICES:
        allowed = ", ".join(f"'{s}'" for s in SECONDS_CHOICES)
        raise GenerationRejected(f"seconds must be one of {allowed}.", param="seconds")
    if size not in SIZE_CHOICES:
        allowed = ", ".join(f"'{s}'" for s in SIZE_CHOICES)
        raise GenerationRejected(f"size must be one of {allowed}.", param="size")
    if model not in MODEL_CHOICES:
        allowed = ", ".join(f"'{m}'" for m in MODEL_CHOICES)
        raise GenerationRejected(f"model must be one of {allowed}.", param="model")
    if seed is None or seed == "":
        return seconds, _default_seed(prompt)
    try:
        seed = int(seed)
    except (TypeError, ValueError):
        seed = -1
    if not 0 <= seed <= MAX_SEED:
        raise GenerationRejected(f"seed must be an integer from 0 to {MAX_SEED}.", param="seed")
    return seconds, seed


@transaction.atomic
def request_generation(
    *,
    membership: Membership,
    prompt: str,
    seconds=4,
    size: str = "1280x720",
    model: str = "sora-2",
    seed=None,
    token: ApiToken | None = None,
    kind: str = Generation.Kind.CREATE,
    source: Generation | None = None,
    stitched_seconds: int | None = None,
    reference: ReferenceImage | None = None,
) -> Generation:
    """Queue a generation for a tester, enforcing the program's quota and job limits.

    Remixes, edits and extensions (generation.derivatives) name their `source`; `reference` is
    an image the engine starts from. Characters of the tester's that the prompt names
    (`@name` or the id) go with it (generation.characters)."""
    seconds, seed = validate_request(
        prompt=prompt, seconds=seconds, size=size, model=model, seed=seed
    )
    # Lock the membership row so two simultaneous requests cannot both slip under a limit.
    membership = (
        # of=("self",): PostgreSQL cannot lock the nullable side (cohort) of an outer join.
        Membership.objects.select_for_update(of=("self",))
        .select_related("program", "cohort")
        .get(pk=membership.pk)
    )
    program = membership.program
    # Checked again under the membership lock: a request that passed authentication just before
    # a revocation committed must not queue a job after the revocation cancelled the others.
    block = block_in_force(membership=membership, token_id=token.pk if token else None)
    if block is not None:
        raise AccessWithdrawn(block.message)
    if not membership.is_active:
        raise AccessWithdrawn("Your access to this program is suspended.")
    if seconds not in program.allowed_seconds:
        offered = " or ".join(str(s) for s in sorted(program.allowed_seconds))
        raise GenerationRejected(f"This program offers {offered} second clips.", param="seconds")
    if size not in program.allowed_sizes:
        offered = ", ".join(program.allowed_sizes)
        raise GenerationRejected(f"This program offers the sizes {offered}.", param="size")
    mine = Generation.objects.filter(tester_id=membership.user_id, program=program)
    now = timezone.now()
    quota = membership.effective_daily_quota
    if mine.filter(created_at__gte=_start_of_utc_day(now)).count() >= quota:
        raise GenerationLimitReached(
            f"Daily quota of {quota} generations reached; it resets at midnight UTC.",
            code="daily_quota_exceeded",
        )
    token_limit = token.daily_generation_limit if token else None
    if token_limit is not None:
        today = Generation.objects.filter(token=token, created_at__gte=_start_of_utc_day(now))
        if today.count() >= token_limit:
            raise GenerationLimitReached(
                f"This API token's limit of {token_limit} generations a day is reached; it "
                "resets at midnight UTC.",
                code="token_daily_limit_exceeded",
            )
    active = mine.filter(status__in=Generation.ACTIVE_STATUSES).count()
    if active >= program.active_jobs_per_tester:
        raise GenerationLimitReached(
            f"You already have {active} unfinished generations; the limit is "
            f"{program.active_jobs_per_tester}. Wait for some to finish.",
            code="too_many_active_jobs",
        )
    generation = Generation.objects.create(
        tester_id=membership.user_id,
        program=program,
        token=token,
        prompt=prompt,
        model=model,
        seconds=seconds,
        size=size,
        seed=seed,
        created_at=now,
        kind=kind,
        source=source,
        stitched_seconds=stitched_seconds,
    )
    if reference is not None:
        generation.reference_key = store_image(reference, program_id=program.pk)
        generation.reference_type = reference.mime_type
        generation.save(update_fields=["reference_key", "reference_type"])
    characters = named_characters(
        tester_id=membership.user_id, program_id=program.pk, prompt=prompt
    )
    if characters:
        generation.characters.set(characters)
    _enqueue_sweep()
    return generation


@transaction.atomic
def cancel_generation(*, generation: Generation, reason: str = "Cancelled by the tester.") -> bool:
    """Cancel a queued or running job. Returns False when it had already finished."""
    jobs = Generation.objects.filter(pk=generation.pk)
    cancelled = cancel_generations(jobs=jobs, reason=reason, code="cancelled")
    if cancelled:
        generation.refresh_from_db()
    return bool(cancelled)


@transaction.atomic
def cancel_generations(*, jobs, reason: str, code: str = "access_revoked") -> int:
    """Cancel every queued or running job in `jobs` in one statement; the sweep stops them."""
    cancelled = jobs.filter(status__in=Generation.ACTIVE_STATUSES).update(
        status=Generation.Status.CANCELLED,
        error_code=code,
        error_message=reason[:500],
        completed_at=timezone.now(),
        engine_cleanup_pending=True,
    )
    if cancelled:
        _enqueue_sweep()
    return cancelled


@transaction.atomic
def delete_generation(*, generation: Generation, actor=None) -> None:
    """Hide a generation from its tester and drop its files (original and every rendition);
    the records stay, so a copy found later still traces to it."""
    cancel_generation(generation=generation, reason="Deleted by the tester.")
    Generation.objects.filter(pk=generation.pk).update(deleted_at=timezone.now())
    if hasattr(generation, "asset"):
        transaction.on_commit(lambda: delete_asset_file(generation.asset))
    rendition_keys = [
        key
        for keys in generation.renditions.values_list(
            "storage_key", "thumbnail_key", "spritesheet_key"
        )
        for key in keys
        if key
    ]
    if generation.reference_key:
        rendition_keys.append(generation.reference_key)
    transaction.on_commit(lambda: delete_stored_files(rendition_keys))
    record(action="generation.deleted", target=generation, actor=actor)


def cancel_jobs_of_blocked_access(*, level, target_id, program_id, reason) -> int:
    """Cancel the unfinished jobs an access block reaches."""
    jobs = reached_rows(
        Generation.objects.all(), level=level, target_id=target_id, program_id=program_id
    )
    return cancel_generations(jobs=jobs, reason=f"Stopped because access was withdrawn: {reason}")


def cancel_jobs_without_access() -> int:
    """Cancel unfinished jobs whose token, tester, cohort or program is blocked now: the
    safety net behind the cancellation done when the block was made."""
    jobs = blocked_rows(Generation.objects.all())
    return cancel_generations(jobs=jobs, reason="Stopped because access was withdrawn.")
