"""Helpers for the share-page, portal and enforcement tests: finished outputs with real MP4
files, approvals through the services, and published renditions made ready in place."""

import hashlib

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from rendition_fixtures import clip_bytes, complete_with_video, ready_rendition

from factories import GenerationFactory
from generation.models import Rendition, new_rendition_key
from review.claims import claim_next_share_request
from review.services import decide, request_share

ASK = {"intended_use": "portfolio", "caption": "Fog over the harbour", "destination": "my site"}

# Three different small H.264 files: the original, its preview, the published copy.
ORIGINAL = clip_bytes(seed=11)
PREVIEW = clip_bytes(seed=12)
PUBLISHED = clip_bytes(seed=13)


def finished_output(*, tester, program, preview: bytes = PREVIEW):
    """A completed generation of `tester` with a stored original and a ready preview."""
    generation = complete_with_video(
        GenerationFactory(tester=tester, program=program, seconds=4), ORIGINAL
    )
    ready_rendition(generation, preview)
    return generation


def ask(generation, tester, **fields):
    return request_share(generation=generation, tester=tester, **{**ASK, **fields})


def approve(share_request, reviewer, **kwargs):
    claimed = claim_next_share_request(reviewer=reviewer)
    assert claimed == share_request, (claimed, share_request)
    return decide(share_request=share_request, reviewer=reviewer, outcome="approve", **kwargs)


def make_published_ready(share_request, content: bytes = PUBLISHED) -> Rendition:
    """Finish the published rendition the approval requested, as the worker would."""
    rendition = Rendition.objects.filter(
        generation=share_request.generation,
        kind=Rendition.Kind.PUBLISHED,
        approval_ref=str(share_request.pk),
    ).first()
    assert rendition is not None, "the approval did not request a published rendition"
    key = default_storage.save(new_rendition_key(share_request.program_id), ContentFile(content))
    Rendition.objects.filter(pk=rendition.pk).update(
        status=Rendition.Status.READY,
        storage_key=key,
        sha256=hashlib.sha256(content).hexdigest(),
        bytes=len(content),
        width=320,
        height=180,
        duration_seconds=1.0,
        ready_at=timezone.now(),
    )
    rendition.refresh_from_db()
    return rendition


def body_of(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content
