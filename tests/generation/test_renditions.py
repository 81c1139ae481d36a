"""Renditions: requested on completion, built in Celery (mark, sign, store), served instead of
the original, to its tester and the program's staff only."""

import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from rendition_fixtures import clip_bytes, complete_with_video, ready_rendition, use_dev_certificate
from storages.backends.s3 import S3Storage

from accessprogram.access.models import AccessBlock
from accessprogram.audit.chain import LinkAfterCommit
from accessprogram.audit.models import AuditRecord
from accessprogram.programs.models import Membership
from clients import signed_in
from factories import GenerationFactory, MembershipFactory, ProgramFactory, UserFactory, token_for
from generation.media import presigned_video_url
from generation.models import Generation, Rendition
from generation.provenance import services
from generation.provenance.forensic import PAYLOAD_BITS, read_payload
from generation.provenance.selectors import ready_preview


@pytest.fixture
def c2pa(settings, tmp_path):
    return use_dev_certificate(settings, tmp_path / "c2pa")


@pytest.fixture
def finished(tester, media_root):
    """A completed generation of `tester` with a real (small) H.264 original."""
    generation = GenerationFactory(tester=tester.user, program=tester.program)
    return complete_with_video(generation, clip_bytes())


@pytest.fixture
def build(django_capture_on_commit_callbacks, eager_celery):
    """Run a rendition service and the build it enqueues (inline, as a worker would)."""

    def run(service, **kwargs) -> Rendition:
        with django_capture_on_commit_callbacks(execute=True):
            rendition = service(**kwargs)
        rendition.refresh_from_db()
        return rendition

    return run


def served_bytes(response) -> bytes:
    return b"".join(response.streaming_content)


# --- requesting ----------------------------------------------------------------------------


def test_ensure_preview_is_idempotent_and_enqueues_after_commit(
    finished, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        first = services.ensure_preview(generation=finished)
        second = services.ensure_preview(generation=finished)
    assert first.pk == second.pk
    assert len(callbacks) == 1  # one build, however often it is asked for
    assert first.status == Rendition.Status.PENDING
    assert first.kind == Rendition.Kind.PREVIEW and first.approval_ref == ""
    assert 1 <= first.forensic_id < 2**PAYLOAD_BITS
    assert first.storage_key == ""  # set by the build


def test_a_generation_without_a_finished_video_gets_no_rendition(tester):
    queued = GenerationFactory(tester=tester.user, program=tester.program)
    with pytest.raises(services.RenditionUnavailable):
        services.ensure_preview(generation=queued)
    assert not Rendition.objects.exists()


def test_a_colliding_forensic_id_is_drawn_again(finished, program, monkeypatch):
    other = complete_with_video(
        GenerationFactory(tester=finished.tester, program=program), clip_bytes()
    )
    taken = services.ensure_preview(generation=other).forensic_id
    draws = iter([taken, taken, 4242])
    monkeypatch.setattr(services, "new_forensic_id", lambda: next(draws))
    preview = services.ensure_preview(generation=finished)
    assert preview.forensic_id == 4242
    assert Rendition.objects.count() == 2


def test_publish_is_idempotent_per_approval(finished, django_capture_on_commit_callbacks):
    reviewer = MembershipFactory(program=finished.program, role=Membership.Role.REVIEWER).user
    with django_capture_on_commit_callbacks() as callbacks:
        first = services.publish_rendition(
            generation=finished, approval_ref="7", approved_by=reviewer
        )
        again = services.publish_rendition(
            generation=finished, approval_ref="7", approved_by=reviewer
        )
        other = services.publish_rendition(
            generation=finished, approval_ref="8", approved_by=reviewer
        )
    assert first.pk == again.pk != other.pk
    assert first.forensic_id != other.forensic_id
    assert len([c for c in callbacks if not isinstance(c, LinkAfterCommit)]) == 2
    assert (first.kind, first.approval_ref, first.approved_by) == ("published", "7", reviewer)
    assert Rendition.objects.get(generation=finished, kind="published", approval_ref="7") == first
    assert AuditRecord.objects.filter(action="rendition.requested").count() == 2


def test_completing_a_render_requests_the_preview(finished, monkeypatch):
    """The dispatch sweep's completion step asks for the preview in the same transaction."""
    from generation import dispatch

    called = []
    monkeypatch.setattr(dispatch, "ensure_preview", lambda generation: called.append(generation))
    source = GenerationFactory(tester=finished.tester, program=finished.program)
    Generation.objects.filter(pk=source.pk).update(
        status=Generation.Status.IN_PROGRESS, engine_job_id="job-1"
    )
    source.refresh_from_db()

    class Engine:
        def download(self, job_id):
            import contextlib
            import io

            return contextlib.nullcontext(io.BytesIO(clip_bytes()))

    report = dispatch.SweepReport()
    dispatch._store_result(Engine(), source, report)
    assert report.completed == [source.public_id]
    assert [g.pk for g in called] == [source.pk]
    assert called[0].status == Generation.Status.COMPLETED and called[0].asset


# --- building ------------------------------------------------------------------------------


def test_the_build_marks_signs_and_stores_a_preview(finished, c2pa, build):
    preview = build(services.ensure_preview, generation=finished)
    assert preview.status == Rendition.Status.READY, preview.error
    assert preview.storage_key.startswith(f"renditions/{finished.program_id}/")
    assert finished.public_id not in preview.storage_key  # not guessable from the id
    with default_storage.open(preview.storage_key) as stored:
        content = stored.read()
    assert hashlib.sha256(content).hexdigest() == preview.sha256 != finished.asset.sha256
    assert preview.bytes == len(content)
    assert (preview.width, preview.height) == (finished.asset.width, finished.asset.height)
    assert preview.duration_seconds == pytest.approx(finished.asset.duration_seconds, abs=0.05)
    assert preview.manifest_label.startswith("urn:c2pa:")
    assert preview.ready_at is not None and preview.attempts == 1
    with default_storage.open(preview.storage_key) as stored:
        assert read_payload(stored).payload == preview.forensic_id
    ready = AuditRecord.objects.get(action="rendition.ready")
    assert ready.data["forensic_id"] == preview.forensic_id
    assert ready.data["program"] == finished.program.slug


def test_running_the_build_again_changes_nothing(finished, c2pa, build, media_root):
    preview = build(services.ensure_preview, generation=finished)
    files = sorted(p.name for p in (media_root / "renditions").rglob("*.mp4"))
    assert services.build_rendition(rendition_id=preview.pk) is None
    from generation.provenance.tasks import build_rendition

    build_rendition.delay(preview.pk)  # a redelivered task
    assert sorted(p.name for p in (media_root / "renditions").rglob("*.mp4")) == files
    assert Rendition.objects.get().sha256 == preview.sha256


def test_an_attempt_that_loses_the_race_drops_its_own_file(
    finished, c2pa, media_root, monkeypatch, django_capture_on_commit_callbacks
):
    preview = services.ensure_preview(generation=finished)
    real_sign = services.credentials.sign_video

    def sign_while_another_attempt_finishes(**kwargs):
        label = real_sign(**kwargs)
        Rendition.objects.filter(pk=preview.pk).update(
            status=Rendition.Status.READY, storage_key="renditions/winner.mp4", sha256="f" * 64
        )
        return label

    monkeypatch.setattr(services.credentials, "sign_video", sign_while_another_attempt_finishes)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.build_rendition(rendition_id=preview.pk) is None
    assert list((media_root / "renditions").rglob("*.mp4")) == []
    assert Rendition.objects.get().storage_key == "renditions/winner.mp4"


def test_without_a_signing_certificate_the_build_fails_once_and_says_why(
    finished, settings, tmp_path, build, monkeypatch
):
    settings.C2PA_CERT_CHAIN_PATH = str(tmp_path / "missing.pem")
    rendered = []
    monkeypatch.setattr(
        "generation.provenance.pipeline.render_rendition", lambda **kw: rendered.append(kw)
    )
    preview = build(services.ensure_preview, generation=finished)
    assert preview.status == Rendition.Status.FAILED
    assert "make_dev_certificate" in preview.error
    assert rendered == []  # not retried, nothing rendered
    assert AuditRecord.objects.filter(action="rendition.failed").count() == 1


def test_a_failing_render_is_retried_then_marked_failed(finished, c2pa, build, monkeypatch):
    calls = []

    def broken(**kwargs):
        calls.append(kwargs)
        raise RuntimeError("encoder exploded")

    monkeypatch.setattr("generation.provenance.pipeline.render_rendition", broken)
    preview = build(services.ensure_preview, generation=finished)
    assert preview.status == Rendition.Status.FAILED
    assert "encoder exploded" in preview.error
    assert len(calls) == 4  # the first try and three retries
    assert preview.attempts == 4


def test_a_failed_preview_can_be_retried_from_the_portal(
    finished, tester, c2pa, build, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("generation.provenance.pipeline.render_rendition", broken)
    build(services.ensure_preview, generation=finished)
    browser = signed_in(tester.user)
    page = browser.get(f"/videos/{finished.public_id}/").content.decode()
    assert "We could not prepare the watermarked preview" in page
    assert "Try again" in page

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(f"/videos/{finished.public_id}/preview/retry")
    assert response.status_code == 302
    preview = Rendition.objects.get()
    assert preview.status == Rendition.Status.READY, preview.error
    page = browser.get(f"/videos/{finished.public_id}/status").content.decode()
    assert 'data-testid="player"' in page
    assert "hx-get" not in page


# --- serving -------------------------------------------------------------------------------


def test_the_tester_never_receives_the_original(finished, tester, c2pa, build):
    build(services.ensure_preview, generation=finished)
    browser = signed_in(tester.user)
    portal = served_bytes(browser.get(f"/videos/{finished.public_id}/media"))
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(tester)}")
    download = api.get(f"/v1/videos/{finished.public_id}/content")
    assert download.status_code == 200
    api_bytes = served_bytes(download)

    original = finished.asset.sha256
    preview = ready_preview(generation=finished)
    for served in (portal, api_bytes):
        assert hashlib.sha256(served).hexdigest() != original
        assert hashlib.sha256(served).hexdigest() == preview.sha256


def test_another_tester_gets_404_for_media_and_download(finished, program, media_root):
    ready_rendition(finished, b"watermarked bytes")
    other = MembershipFactory(program=program)
    assert signed_in(other.user).get(f"/videos/{finished.public_id}/media").status_code == 404
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(other)}")
    response = api.get(f"/v1/videos/{finished.public_id}/content")
    assert response.status_code == 404
    assert b"watermarked bytes" not in response.content


# --- staff preview media -------------------------------------------------------------------

STAFF_CASES = {
    "reviewer of the program": (Membership.Role.REVIEWER, True, 200),
    "program manager of the program": (Membership.Role.PROGRAM_MANAGER, True, 200),
    "admin of the program": (Membership.Role.ADMIN, True, 200),
    "finance of the program": (Membership.Role.FINANCE, True, 404),
    "another tester of the program": (Membership.Role.TESTER, True, 404),
    "reviewer of another program": (Membership.Role.REVIEWER, False, 404),
}


@pytest.mark.parametrize("case", STAFF_CASES)
def test_review_media_is_for_the_programs_staff_only(finished, media_root, case):
    role, same_program, expected = STAFF_CASES[case]
    ready_rendition(finished, b"watermarked bytes")
    program = finished.program if same_program else ProgramFactory()
    user = MembershipFactory(program=program, role=role).user
    response = signed_in(user).get(f"/videos/{finished.public_id}/review-media")
    assert response.status_code == expected
    if expected == 200:
        assert served_bytes(response) == b"watermarked bytes"
        assert response["Cache-Control"] == "private, no-store"
    else:
        assert b"watermarked bytes" not in response.content


def test_review_media_refuses_a_suspended_reviewer_and_anonymous_visitors(finished, media_root):
    ready_rendition(finished, b"watermarked bytes")
    membership = MembershipFactory(program=finished.program, role=Membership.Role.REVIEWER)
    url = f"/videos/{finished.public_id}/review-media"
    assert signed_in(membership.user).get(url).status_code == 200
    AccessBlock.objects.create(
        level=AccessBlock.Level.MEMBERSHIP,
        target_id=membership.pk,
        program=finished.program,
        kind=AccessBlock.Kind.SUSPENSION,
        reason="holiday",
    )
    assert signed_in(membership.user).get(url).status_code == 404
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_review_media_before_the_preview_is_ready_is_404(finished, media_root):
    reviewer = MembershipFactory(program=finished.program, role=Membership.Role.REVIEWER).user
    url = f"/videos/{finished.public_id}/review-media"
    assert signed_in(reviewer).get(url).status_code == 404
    superuser = UserFactory(is_superuser=True)
    ready_rendition(finished, b"watermarked bytes")
    assert signed_in(superuser).get(url).status_code == 200


# --- object storage ------------------------------------------------------------------------


# Presigning is local computation: no bucket or network is needed.
S3_OPTIONS = {
    "bucket_name": "renditions-test",
    "access_key": "AKIAEXAMPLEEXAMPLE00",
    "secret_key": "example-secret-key-example-secret-key-00",
    "region_name": "eu-west-1",
    "querystring_auth": True,
    "signature_version": "s3v4",
}


def fake_s3() -> S3Storage:
    return S3Storage(**S3_OPTIONS)


def test_presigned_urls_live_sixty_seconds_and_answer_privately():
    url = presigned_video_url(
        storage=fake_s3(), storage_key="renditions/1/abc.mp4", seconds=60, filename="v.mp4"
    )
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert parts.path.endswith("/renditions/1/abc.mp4")
    assert query["X-Amz-Expires"] == ["60"]
    assert query["response-cache-control"] == ["private, no-store"]
    assert query["response-content-disposition"] == ['attachment; filename="v.mp4"']
    assert "X-Amz-Signature" in query


def test_with_object_storage_the_media_view_redirects_to_a_presigned_url(
    finished, tester, media_root, settings
):
    preview = ready_rendition(finished, b"watermarked bytes")
    settings.MEDIA_URL_SECONDS = 60
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": S3_OPTIONS},
    }
    response = signed_in(tester.user).get(f"/videos/{finished.public_id}/media")
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    location = urlsplit(response["Location"])
    assert location.path.endswith("/" + preview.storage_key)
    assert parse_qs(location.query)["X-Amz-Expires"] == ["60"], response["Location"]
    other = MembershipFactory(program=finished.program)
    assert signed_in(other.user).get(f"/videos/{finished.public_id}/media").status_code == 404


# --- deleting ------------------------------------------------------------------------------


def test_deleting_a_video_removes_its_rendition_files_but_keeps_the_rows_for_tracing(
    finished, media_root, django_capture_on_commit_callbacks
):
    preview = ready_rendition(finished, b"preview bytes")
    published = ready_rendition(
        finished, b"published bytes", kind=Rendition.Kind.PUBLISHED, approval_ref="7"
    )
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(finished.tester.memberships.get())}")

    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(f"/v1/videos/{finished.public_id}").status_code == 200

    assert not default_storage.exists(preview.storage_key)
    assert not default_storage.exists(published.storage_key)
    assert not default_storage.exists(finished.asset.storage_key)
    assert Rendition.objects.filter(pk__in=[preview.pk, published.pk]).count() == 2
