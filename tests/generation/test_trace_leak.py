"""`manage.py trace_leak`: a video found in the wild leads back to its tester, even re-encoded
at a third of the bitrate and half the size (the forensic payload), and the manifest of an
untouched copy tells the same story."""

import io
import json
from fractions import Fraction
from pathlib import Path

import av
import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone
from rendition_fixtures import clip_bytes, complete_with_video, use_dev_certificate

from accessprogram.programs.models import Membership
from factories import GenerationFactory, MembershipFactory
from generation.provenance import services
from review.models import ShareLink, ShareRequest


@pytest.fixture
def c2pa(settings, tmp_path):
    return use_dev_certificate(settings, tmp_path / "c2pa")


@pytest.fixture
def build(media_root, c2pa, django_capture_on_commit_callbacks, eager_celery):
    def run(service, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            rendition = service(**kwargs)
        rendition.refresh_from_db()
        assert rendition.status == "ready", rendition.error
        return rendition

    return run


def approved_share(generation, reviewer) -> ShareRequest:
    share_request = ShareRequest.objects.create(
        generation=generation,
        requested_by=generation.tester,
        program=generation.program,
        intended_use="portfolio",
        destination="https://example.com/reel",
        status=ShareRequest.Status.APPROVED,
        decided_at=timezone.now(),
    )
    ShareLink.objects.create(share_request=share_request)
    return share_request


def stored_copy(rendition, path: Path) -> Path:
    with default_storage.open(rendition.storage_key) as stored:
        path.write_bytes(stored.read())
    return path


def reencode(source: Path, destination: Path, *, bitrate_ratio: float, scale: float) -> dict:
    """What a leaker's tool does: decode, resize, encode again at a lower bitrate (no metadata
    survives). Returns the bitrates and sizes, before and after."""
    with av.open(str(source)) as container:
        stream = container.streams.video[0]
        seconds = container.duration / av.time_base
        source_bitrate = source.stat().st_size * 8 / seconds
        width = int(stream.codec_context.width * scale) // 2 * 2
        height = int(stream.codec_context.height * scale) // 2 * 2
        with av.open(str(destination), "w", format="mp4") as out:
            encoded = out.add_stream("h264", rate=24)
            encoded.width, encoded.height, encoded.pix_fmt = width, height, "yuv420p"
            encoded.time_base = Fraction(1, 24)  # so the rate control spreads bits per second
            encoded.bit_rate = int(source_bitrate * bitrate_ratio)
            for index, frame in enumerate(container.decode(stream)):
                small = frame.reformat(width=width, height=height, format="yuv420p")
                small.pts, small.time_base = index, Fraction(1, 24)
                out.mux(encoded.encode(small))
            out.mux(encoded.encode(None))
    with av.open(str(destination)) as copy:
        copy_seconds = copy.duration / av.time_base
    return {
        "source_bitrate": source_bitrate,
        "bitrate": destination.stat().st_size * 8 / copy_seconds,
        "seconds": copy_seconds,
        "size": (width, height),
    }


def trace(path: Path, *args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("trace_leak", str(path), *args, stdout=out)
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


def publish(build, program, clip: bytes):
    """An approved share request with a live link, and the rendition it published."""
    reviewer = MembershipFactory(program=program, role=Membership.Role.REVIEWER).user
    tester = MembershipFactory(program=program)
    generation = complete_with_video(GenerationFactory(tester=tester.user, program=program), clip)
    share_request = approved_share(generation, reviewer)
    return build(
        services.publish_rendition,
        generation=generation,
        approval_ref=str(share_request.pk),
        approved_by=reviewer,
    )


@pytest.fixture
def small_published(program, build):
    return publish(build, program, clip_bytes(width=640, height=360, seconds=1, seed=1))


@pytest.fixture
def two_testers_published(program, build, small_published):
    """Published renditions of two testers' generations in the same program: a short small
    one, and a 4 s 720p one as the engine makes them."""
    large = publish(build, program, clip_bytes(width=1280, height=720, seconds=4, seed=2))
    return small_published, large


def test_a_copy_at_a_third_of_the_bitrate_and_half_size_traces_to_its_tester(
    two_testers_published, tmp_path
):
    _, leaked_rendition = two_testers_published
    original = stored_copy(leaked_rendition, tmp_path / "published.mp4")
    leaked = tmp_path / "found-on-the-internet.mp4"
    figures = reencode(original, leaked, bitrate_ratio=1 / 3, scale=0.5)
    assert figures["size"] == (640, 360)
    assert figures["seconds"] == pytest.approx(4.0, abs=0.1)
    assert figures["bitrate"] < figures["source_bitrate"] / 2  # really squeezed

    code, output = trace(leaked, "--json")
    assert code == 0, output
    report = json.loads(output)
    generation = leaked_rendition.generation
    assert report["traced"] is True
    assert report["matched_by"] == "forensic"
    assert report["forensic"]["payload"] == leaked_rendition.forensic_id
    assert report["tester"]["email"] == generation.tester.email
    assert report["generation"]["id"] == generation.public_id
    assert report["program"]["slug"] == generation.program.slug
    assert report["rendition"]["kind"] == "published"
    assert report["rendition"]["exact_copy"] is False
    assert report["rendition"]["approval_ref"] == leaked_rendition.approval_ref
    assert report["approval"]["status"] == "approved"
    assert report["approval"]["link_live"] is True
    assert report["manifest"] is None  # re-encoding dropped the content credentials


def test_an_untouched_copy_is_an_exact_copy_with_its_manifest(small_published, tmp_path):
    rendition = small_published
    path = stored_copy(rendition, tmp_path / "untouched.mp4")
    ShareLink.objects.filter(share_request_id=int(rendition.approval_ref)).update(
        revoked_at=timezone.now()
    )

    code, output = trace(path)
    assert code == 0, output
    assert "TRACED (by forensic)" in output
    assert rendition.generation.tester.email in output
    assert "Exact copy of what we served: yes" in output
    assert f"share request {rendition.approval_ref} is approved; public link live: False" in output
    assert "C2PA manifest: Trusted" in output  # the dev root is this reader's trust anchor

    report = json.loads(trace(path, "--json")[1])
    assert report["manifest"]["provenance"]["forensic_id"] == rendition.forensic_id


def test_a_video_that_is_not_ours_does_not_trace(tmp_path, db):
    path = tmp_path / "somebody-elses.mp4"
    path.write_bytes(clip_bytes(width=640, height=360, seconds=1, seed=9))
    code, output = trace(path)
    assert code == 1
    assert "NOT TRACED" in output
    code, output = trace(path, "--json")
    assert code == 1
    assert json.loads(output)["traced"] is False


def test_a_file_that_is_not_a_video_is_reported_not_traced(tmp_path, db):
    path = tmp_path / "notes.mp4"
    path.write_bytes(b"this is not a video at all")
    code, output = trace(path, "--json")
    assert code == 1
    report = json.loads(output)
    assert report["traced"] is False and report["manifest"] is None


def test_a_missing_file_is_a_command_error(tmp_path, db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No such file"):
        call_command("trace_leak", str(tmp_path / "nothing.mp4"))
