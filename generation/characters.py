"""Characters: named reference clips a tester uploads, and the prompts that use them.

Consent: a character is made only from a clip its tester uploads themselves (never from another
tester's video or an address to fetch), and only that tester, in that program, can use or see
it. A prompt uses one by naming it, `@name` or its id (`char_...`); the engine is sent the
clip's first frame with the name (engine_client.create, `characters`).
"""

import io
import re
import secrets

import av
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction

from accessprogram.audit.services import record
from accessprogram.programs.models import Membership

from .models import Character
from .references import ReferenceRejected

MAX_CLIP_BYTES = 50 * 1024 * 1024
MAX_CLIP_SECONDS = 30
MAX_NAME = 80
MENTION = re.compile(r"@([\w-]{1,80})|\b(char_[0-9a-f]{32})\b")


def _first_frame_png(content: bytes) -> tuple[bytes, float]:
    """The clip's first frame as PNG and its duration in seconds; ReferenceRejected if the
    content is not a video."""
    try:
        with av.open(io.BytesIO(content)) as container:
            if not container.streams.video:
                raise ReferenceRejected("video holds no video stream.", param="video")
            stream = container.streams.video[0]
            duration = (container.duration or 0) / av.time_base
            frame = next(container.decode(stream), None)
    except (av.error.FFmpegError, IndexError):
        raise ReferenceRejected(
            "video must be a video file (MP4, MOV or WebM; checked by its content).", param="video"
        ) from None
    if frame is None:
        raise ReferenceRejected("video holds no frames.", param="video")
    out = io.BytesIO()
    frame.to_image().save(out, format="PNG")
    return out.getvalue(), duration


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME or not re.fullmatch(r"[\w-]+( [\w-]+)*", name):
        raise ReferenceRejected(
            f"name must be 1 to {MAX_NAME} letters, digits, '-' or '_' (single spaces between "
            "words).",
            param="name",
        )
    return name


@transaction.atomic
def create_character(*, membership: Membership, name: str, clip: bytes) -> Character:
    """Keep the tester's uploaded clip (and its first frame) privately as a named character."""
    name = _check_name(name)
    if len(clip) > MAX_CLIP_BYTES:
        raise ReferenceRejected(
            f"video is larger than {MAX_CLIP_BYTES // (1024 * 1024)} MB.", param="video"
        )
    frame, duration = _first_frame_png(clip)
    if duration > MAX_CLIP_SECONDS:
        raise ReferenceRejected(
            f"video is {duration:.0f} s long; a character clip is at most {MAX_CLIP_SECONDS} s.",
            param="video",
        )
    stem = f"characters/{membership.program_id}/{secrets.token_urlsafe(24)}"
    try:
        with transaction.atomic():
            character = Character.objects.create(
                tester_id=membership.user_id,
                program_id=membership.program_id,
                name=name,
                clip_key=f"{stem}.clip",
                frame_key=f"{stem}.png",
            )
    except IntegrityError:
        raise ReferenceRejected(
            f"You already have a character named '{name}'.", param="name"
        ) from None
    default_storage.save(character.clip_key, ContentFile(clip, name=character.clip_key))
    default_storage.save(character.frame_key, ContentFile(frame, name=character.frame_key))
    record(action="character.created", target=character, actor=membership.user, name=name)
    return character


def own_character(*, membership: Membership, public_id: str) -> Character | None:
    return Character.objects.filter(
        tester_id=membership.user_id, program_id=membership.program_id, public_id=public_id
    ).first()


def named_characters(*, tester_id: int, program_id: int, prompt: str) -> list[Character]:
    """The tester's characters the prompt names (`@name`, case-insensitive, or the id)."""
    names, ids = set(), set()
    for name, public_id in MENTION.findall(prompt):
        if name:
            names.add(name.lower())
        else:
            ids.add(public_id)
    if not names and not ids:
        return []
    mine = Character.objects.filter(tester_id=tester_id, program_id=program_id)
    return [c for c in mine if c.public_id in ids or c.name.lower().replace(" ", "_") in names]
