"""Helpers for tests that need finished generations, renditions and a C2PA signing chain.

Test modules wrap these in small fixtures, e.g.

    @pytest.fixture
    def c2pa(settings, tmp_path, monkeypatch):
        return use_dev_certificate(settings, tmp_path / "c2pa", monkeypatch)
"""

import hashlib
import io
import tempfile
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from generation.engine.render import render_video
from generation.models import Generation, Rendition, new_rendition_key
from generation.provenance.credentials import DevCertificate, create_dev_certificate
from generation.storage import create_asset, describe_video, save_video

_CLIPS: dict[tuple, bytes] = {}


def use_dev_certificate(settings, directory: Path, monkeypatch=None) -> DevCertificate:
    """Make a dev CA and signer in `directory` and point the settings (and, given monkeypatch,
    the environment that worker processes inherit) at it."""
    created = create_dev_certificate(directory)
    paths = {
        "C2PA_CERT_CHAIN_PATH": str(created.chain_path),
        "C2PA_PRIVATE_KEY_PATH": str(created.key_path),
        "C2PA_TRUST_ANCHORS_PATH": str(created.root_path),
    }
    for name, value in paths.items():
        setattr(settings, name, value)
        if monkeypatch is not None:
            monkeypatch.setenv(name, value)
    return created


def clip_bytes(*, width=320, height=180, seconds=1, seed=1) -> bytes:
    """An H.264 MP4 from the reference engine's renderer (cached per shape)."""
    shape = (width, height, seconds, seed)
    if shape not in _CLIPS:
        with tempfile.TemporaryDirectory() as directory:
            path = str(Path(directory) / "clip.mp4")
            render_video(
                prompt="a lighthouse in fog",
                seed=seed,
                seconds=seconds,
                width=width,
                height=height,
                path=path,
            )
            _CLIPS[shape] = Path(path).read_bytes()
    return _CLIPS[shape]


def complete_with_video(generation: Generation, content: bytes) -> Generation:
    """Store `content` as the generation's original and mark it completed (no preview yet)."""
    stream = io.BytesIO(content)
    facts = describe_video(stream)
    key = save_video(generation=generation, stream=stream)
    create_asset(generation=generation, key=key, facts=facts)
    Generation.objects.filter(pk=generation.pk).update(
        status=Generation.Status.COMPLETED, progress=100, completed_at=timezone.now()
    )
    generation.refresh_from_db()
    return generation


def ready_rendition(
    generation: Generation,
    content: bytes,
    *,
    kind: str = Rendition.Kind.PREVIEW,
    approval_ref: str = "",
    forensic_id: int | None = None,
) -> Rendition:
    """A ready rendition row with `content` stored as its file, without rendering anything."""
    key = default_storage.save(new_rendition_key(generation.program_id), ContentFile(content))
    return Rendition.objects.create(
        generation=generation,
        kind=kind,
        status=Rendition.Status.READY,
        approval_ref=approval_ref,
        forensic_id=forensic_id or int.from_bytes(hashlib.sha256(key.encode()).digest()[:4]) | 1,
        storage_key=key,
        sha256=hashlib.sha256(content).hexdigest(),
        bytes=len(content),
        width=generation.width,
        height=generation.height,
        duration_seconds=float(generation.seconds),
        ready_at=timezone.now(),
    )
