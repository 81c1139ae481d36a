"""/console/review/trace/: staff upload a leaked file and learn whose rendition it is — for
renditions of programs they staff only."""

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rendition_fixtures import clip_bytes, complete_with_video, use_dev_certificate

from accessprogram.audit.models import AuditRecord
from accessprogram.console.review import trace as trace_views
from accessprogram.programs.models import Membership
from factories import GenerationFactory, MembershipFactory, ProgramFactory
from generation.provenance import services

PAGE = "/console/review/trace/"


@pytest.fixture
def preview(tester, media_root, settings, tmp_path, django_capture_on_commit_callbacks):
    from accessprogram.celery import app

    use_dev_certificate(settings, tmp_path / "c2pa")
    generation = complete_with_video(
        GenerationFactory(tester=tester.user, program=tester.program, prompt="harbour at dawn"),
        clip_bytes(width=640, height=360, seconds=1, seed=5),
    )
    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            rendition = services.ensure_preview(generation=generation)
    finally:
        app.conf.task_always_eager = False
    rendition.refresh_from_db()
    assert rendition.status == "ready", rendition.error
    return rendition


@pytest.fixture
def leaked_upload(preview):
    with default_storage.open(preview.storage_key) as stored:
        return SimpleUploadedFile("leak.mp4", stored.read(), content_type="video/mp4")


def staff(program, role=Membership.Role.PROGRAM_MANAGER) -> Client:
    client = Client()
    client.force_login(MembershipFactory(program=program, role=role).user)
    return client


def test_staff_of_the_program_see_who_leaked_it(preview, leaked_upload):
    program = preview.generation.program
    browser = staff(program, Membership.Role.REVIEWER)
    form = browser.get(PAGE)
    assert form.status_code == 200
    assert 'enctype="multipart/form-data"' in form.content.decode()

    response = browser.post(PAGE, {"video": leaked_upload})
    assert response.status_code == 200
    page = response.content.decode()
    tester = preview.generation.tester
    assert 'data-testid="trace-match"' in page
    assert tester.email in page
    assert preview.generation.public_id in page
    assert "harbour at dawn" in page
    assert f"forensic id {preview.forensic_id}" in page
    assert "byte for byte the file we served" in page
    assert "a private preview, never approved for sharing" in page
    assert "Trusted C2PA manifest" in page
    assert "traced in" in page

    record = AuditRecord.objects.get(action="leak.trace")
    assert record.target_type == "generation.generation"
    assert record.target_id == str(preview.generation.pk)
    assert record.data["forensic_id"] == preview.forensic_id
    assert record.data["program"] == program.slug


def test_staff_of_another_program_learn_nothing(preview, leaked_upload):
    browser = staff(ProgramFactory())
    response = browser.post(PAGE, {"video": leaked_upload})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="trace-no-match"' in page
    assert preview.generation.tester.email not in page
    assert preview.generation.public_id not in page
    record = AuditRecord.objects.get(action="leak.trace")
    assert record.data["matched"] is False and "forensic_id" not in record.data


def test_a_video_that_is_not_ours_is_no_match(program, db):
    browser = staff(program)
    upload = SimpleUploadedFile("clip.mp4", clip_bytes(width=640, height=360, seconds=1, seed=6))
    page = browser.post(PAGE, {"video": upload}).content.decode()
    assert 'data-testid="trace-no-match"' in page


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("notes.txt", b"\x00\x00\x00\x18ftypmp42", "Upload an MP4 or MOV video"),
        ("fake.mp4", b"just some text pretending", "This file is not an MP4 or MOV video."),
    ],
)
def test_files_that_are_not_videos_are_refused_with_a_form_error(program, name, content, says):
    response = staff(program).post(PAGE, {"video": SimpleUploadedFile(name, content)})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'class="field-error"' in page and says in page
    assert not AuditRecord.objects.filter(action="leak.trace").exists()


@pytest.mark.parametrize(
    ("size", "overhead", "status"),
    [
        (200_000, 64 * 1024, 413),  # refused from the request's length, before reading it
        (200_000, 10**9, 413),  # length looked fine: the upload handler stops reading
    ],
)
def test_an_upload_over_the_limit_is_refused(program, monkeypatch, size, overhead, status):
    monkeypatch.setattr(trace_views, "MAX_UPLOAD_BYTES", 1000)
    monkeypatch.setattr(trace_views, "MULTIPART_OVERHEAD", overhead)
    big = SimpleUploadedFile("big.mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * size)
    response = staff(program).post(PAGE, {"video": big})
    assert response.status_code == status
    assert "larger than 200 MB" in response.content.decode()
    assert not AuditRecord.objects.filter(action="leak.trace").exists()


def test_the_upload_needs_the_csrf_token(program):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(MembershipFactory(program=program, role=Membership.Role.ADMIN).user)
    response = browser.post(PAGE, {"video": SimpleUploadedFile("a.mp4", b"x")})
    assert response.status_code == 403


def test_no_file_is_a_form_error(program):
    response = staff(program).post(PAGE, {})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


def test_testers_and_anonymous_visitors_cannot_trace(tester, client):
    anonymous = client.get(PAGE)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    client.force_login(tester.user)
    assert client.get(PAGE).status_code == 404
    assert client.post(PAGE, {}).status_code == 404


def test_the_dashboard_links_to_the_trace_page(program):
    page = staff(program).get("/console/").content.decode()
    assert f'href="{PAGE}"' in page
