"""Videos made from another video of the same tester: remixes, edits and extensions.

The source must be the tester's own (in the token's program) and completed, as they see it: its
watermarked preview is ready. What is made is a new generation with its own quota, approval and
provenance: nothing is inherited from the source but its shape (size, model, length) and the
frame the engine starts from; its C2PA manifest names the source as an ingredient. A remix of an
unapproved output is therefore unapproved, and so is a remix of an approved one until its own
share request is approved (review.services.request_share).
"""

from django.db import transaction

from accessprogram.access.models import ApiToken
from accessprogram.audit.services import record
from accessprogram.programs.models import Membership

from .models import Generation, Rendition
from .provenance.selectors import ready_preview
from .references import ReferenceImage, video_frame_png
from .services import GenerationRejected, request_generation


class SourceNotFound(Exception):
    """No video of this tester in this program has that id."""


class SourceNotReady(Exception):
    """The source exists but is not completed (or its preview is not ready)."""


def completed_source(*, membership: Membership, public_id: str) -> Generation:
    """The tester's own completed video (its preview ready), else SourceNotFound/NotReady."""
    source = (
        Generation.objects.select_related("asset")
        .filter(
            tester_id=membership.user_id,
            program_id=membership.program_id,
            public_id=public_id,
            deleted_at__isnull=True,
        )
        .first()
    )
    if source is None:
        raise SourceNotFound(f"No video found with id '{public_id}'.")
    if source.status != Generation.Status.COMPLETED or not hasattr(source, "asset"):
        raise SourceNotReady(
            f"Video '{public_id}' is {source.status}; only a completed video can be used."
        )
    preview = ready_preview(generation=source)
    if preview is None or preview.status != Rendition.Status.READY:
        raise SourceNotReady(
            f"Video '{public_id}' is still being prepared; retrieve it until its status is "
            "'completed'."
        )
    return source


def _frame_of(source: Generation, *, last: bool) -> ReferenceImage:
    png = video_frame_png(source.asset.storage_key, last=last, size=(source.width, source.height))
    return ReferenceImage(png, "image/png", "png", source.width, source.height)


def _derive(*, kind: str, source: Generation, actor, **fields) -> Generation:
    generation = request_generation(kind=kind, source=source, **fields)
    record(
        action=f"generation.{kind}",
        target=generation,
        actor=actor,
        source=source.public_id,
        program=source.program.slug,
    )
    return generation


@transaction.atomic
def request_remix(
    *, membership: Membership, source: Generation, prompt: str, token: ApiToken | None = None
) -> Generation:
    """The source's structure (seed, size, length, model) under a new prompt."""
    return _derive(
        kind=Generation.Kind.REMIX,
        source=source,
        actor=membership.user,
        membership=membership,
        token=token,
        prompt=prompt,
        seconds=source.seconds,
        size=source.size,
        model=source.model,
        seed=source.seed,
    )


@transaction.atomic
def request_edit(
    *, membership: Membership, source: Generation, prompt: str, token: ApiToken | None = None
) -> Generation:
    """The source redone as the prompt says, starting from its first frame."""
    return _derive(
        kind=Generation.Kind.EDIT,
        source=source,
        actor=membership.user,
        membership=membership,
        token=token,
        prompt=prompt,
        seconds=source.seconds,
        size=source.size,
        model=source.model,
        reference=_frame_of(source, last=False),
    )


@transaction.atomic
def request_extension(
    *,
    membership: Membership,
    source: Generation,
    prompt: str,
    seconds,
    token: ApiToken | None = None,
) -> Generation:
    """A new segment of `seconds` that continues from the source's last frame; the stored
    video is the source with the segment stitched on (its `seconds` the stitched total)."""
    if str(seconds) not in {"4", "8", "12"}:
        raise GenerationRejected("seconds must be one of '4', '8', '12'.", param="seconds")
    return _derive(
        kind=Generation.Kind.EXTENSION,
        source=source,
        actor=membership.user,
        membership=membership,
        token=token,
        prompt=prompt,
        seconds=seconds,
        size=source.size,
        model=source.model,
        stitched_seconds=source.total_seconds + int(seconds),
        reference=_frame_of(source, last=True),
    )
