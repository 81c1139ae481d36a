"""Fixtures of the generation tests."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from factories import GenerationFactory
from generation.models import Asset, Generation


@pytest.fixture
def completed_video(tester, media_root):
    """A finished video of the tester with its original file stored (no preview yet)."""
    generation = GenerationFactory(
        tester=tester.user,
        program=tester.program,
        status=Generation.Status.COMPLETED,
        progress=100,
        completed_at=timezone.now(),
    )
    key = default_storage.save(
        f"generations/{generation.program_id}/{generation.public_id}.mp4",
        ContentFile(b"\x00\x00\x00\x18ftypmp42 not really a video"),
    )
    Asset.objects.create(
        generation=generation,
        storage_key=key,
        sha256="0" * 64,
        bytes=default_storage.size(key),
        width=1280,
        height=720,
        duration_seconds=4.0,
        codec="h264",
    )
    return generation
