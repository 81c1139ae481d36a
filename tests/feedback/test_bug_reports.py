"""Testers file bug reports with attachments; files are checked by name and by content."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accessprogram.feedback.attachments import MAX_BYTES
from accessprogram.feedback.models import BugAttachment, BugReport
from accessprogram.programs.models import Membership
from clients import signed_in
from factories import GenerationFactory, MembershipFactory, ProgramFactory

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(64)
JPEG = b"\xff\xd8\xff\xe0" + bytes(64)
WEBM = b"\x1a\x45\xdf\xa3" + bytes(64)
MP4 = b"\x00\x00\x00\x18ftypmp42" + bytes(64)


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def bug_data(tester, **overrides):
    return {
        "membership": tester.pk,
        "title": "Faces melt at 8 s",
        "steps": "1. Ask for a portrait\n2. 8 seconds",
        "expected": "A stable face",
        "actual": "It melts",
        "severity": "high",
        "generation": "",
        **overrides,
    }


def stored_files(media_root):
    return sorted(p for p in media_root.rglob("*") if p.is_file()) if media_root.exists() else []


def test_a_tester_files_a_report_with_attachments(tester_client, tester, media_root, completed):
    video = completed(tester)
    response = tester_client.post(
        "/feedback/bugs/new",
        bug_data(
            tester,
            generation=video.public_id,
            attachments=[
                upload("screen.png", PNG, "image/png"),
                upload("trace.log", "line one\nligne deux é\n".encode()),
                upload("req.json", json.dumps({"prompt": "x"}).encode()),
                upload("clip.mp4", MP4),
            ],
        ),
    )
    bug = BugReport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/feedback/bugs/{bug.pk}/"
    assert (bug.reporter, bug.membership, bug.generation, bug.severity, bug.status) == (
        tester.user,
        tester,
        video,
        "high",
        "new",
    )
    attachments = list(bug.attachments.all())
    assert [a.original_name for a in attachments] == [
        "screen.png",
        "trace.log",
        "req.json",
        "clip.mp4",
    ]
    assert [a.content_type for a in attachments] == [
        "image/png",
        "text/plain",
        "application/json",
        "video/mp4",
    ]
    # Unguessable keys, nothing of the original name in them.
    for attachment in attachments:
        assert "screen" not in attachment.storage_key
        assert len(attachment.storage_key.rsplit("/", 1)[-1].split(".")[0]) >= 40
    assert len(stored_files(media_root)) == 4

    page = tester_client.get(f"/feedback/bugs/{bug.pk}/").content.decode()
    assert "Faces melt at 8 s" in page and "screen.png" in page
    image = tester_client.get(f"/feedback/bugs/{bug.pk}/attachments/{attachments[0].pk}")
    assert image.status_code == 200
    assert image["Content-Type"] == "image/png"
    assert b"".join(image.streaming_content) == PNG
    log = tester_client.get(f"/feedback/bugs/{bug.pk}/attachments/{attachments[1].pk}")
    assert log["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in log["Content-Security-Policy"]


def test_an_oversized_attachment_is_a_form_error_and_nothing_is_stored(
    tester_client, tester, media_root
):
    big = upload("huge.png", PNG + bytes(MAX_BYTES), "image/png")
    response = tester_client.post(
        "/feedback/bugs/new",
        bug_data(tester, attachments=[upload("ok.png", PNG, "image/png"), big]),
    )
    assert response.status_code == 422
    assert "huge.png: the file is larger than 10 MB." in response.content.decode()
    assert not BugReport.objects.exists()
    assert not BugAttachment.objects.exists()
    assert stored_files(media_root) == []


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("photo.png", JPEG, "the content is not a PNG file"),
        ("notes.txt", b"MZ\x90\x00\x03\x00\x00\x00", "the content is not a TXT file"),
        ("data.json", b"{not json", "the content is not a JSON file"),
        ("clip.webm", MP4, "the content is not a WEBM file"),
        ("tool.exe", b"MZ\x90\x00", "this type of file is not accepted"),
        ("page.html", b"<script>alert(1)</script>", "this type of file is not accepted"),
        ("empty.txt", b"", "the file is empty"),
    ],
)
def test_a_wrong_type_by_content_or_name_is_refused(
    tester_client, tester, media_root, name, content, message
):
    response = tester_client.post(
        "/feedback/bugs/new", bug_data(tester, attachments=[upload(name, content)])
    )
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not BugReport.objects.exists()
    assert stored_files(media_root) == []


def test_at_most_five_files(tester_client, tester, media_root):
    files = [upload(f"s{i}.webm", WEBM) for i in range(6)]
    response = tester_client.post("/feedback/bugs/new", bug_data(tester, attachments=files))
    assert response.status_code == 422
    assert "Attach at most 5 files." in response.content.decode()
    assert not BugReport.objects.exists()


def test_only_own_videos_can_be_linked(tester_client, tester, program, completed):
    theirs = completed(MembershipFactory(program=program))
    response = tester_client.post(
        "/feedback/bugs/new", bug_data(tester, generation=theirs.public_id)
    )
    assert response.status_code == 422
    assert not BugReport.objects.exists()
    mine = GenerationFactory(tester=tester.user, program=program)  # any status is fine
    assert (
        tester_client.post(
            "/feedback/bugs/new", bug_data(tester, generation=mine.public_id)
        ).status_code
        == 302
    )


def test_required_fields(tester_client, tester):
    response = tester_client.post("/feedback/bugs/new", bug_data(tester, steps="", severity="x"))
    assert response.status_code == 422
    assert not BugReport.objects.exists()


def test_another_testers_bug_and_its_files_answer_404(tester_client, tester, program, media_root):
    other = MembershipFactory(program=program)
    signed_in(other.user).post(
        "/feedback/bugs/new",
        bug_data(other, attachments=[upload("s.png", PNG, "image/png")]),
    )
    bug = BugReport.objects.get()
    attachment = bug.attachments.get()
    assert tester_client.get(f"/feedback/bugs/{bug.pk}/").status_code == 404
    assert (
        tester_client.get(f"/feedback/bugs/{bug.pk}/attachments/{attachment.pk}").status_code == 404
    )
    assert tester_client.post(f"/feedback/bugs/{bug.pk}/comment", {"body": "hi"}).status_code == 404
    # Staff of another program cannot fetch it either; staff of this one can.
    stranger = MembershipFactory(program=ProgramFactory(), role=Membership.Role.ADMIN).user
    staff_path = f"/console/feedback/{program.slug}/bugs/{bug.pk}/attachments/{attachment.pk}"
    assert signed_in(stranger).get(staff_path).status_code == 404
    reviewer = MembershipFactory(program=program, role=Membership.Role.REVIEWER).user
    assert signed_in(reviewer).get(staff_path).status_code == 200


def test_someone_without_tester_access_cannot_file(program):
    manager = MembershipFactory(program=program, role=Membership.Role.PROGRAM_MANAGER)
    client = signed_in(manager.user)
    assert client.get("/feedback/bugs/new").status_code == 403
    assert client.post("/feedback/bugs/new", bug_data(manager)).status_code == 403
    assert not BugReport.objects.exists()


def test_a_failure_after_storing_files_removes_them_again(tester, media_root, monkeypatch):
    from accessprogram.feedback import bugs

    def broken_audit(**kwargs):
        raise RuntimeError("audit chain unavailable")

    monkeypatch.setattr(bugs, "record", broken_audit)
    with pytest.raises(RuntimeError):
        bugs.file_bug(
            membership=tester,
            title="t",
            steps="s",
            expected="e",
            actual="a",
            severity="low",
            files=[upload("a.png", PNG, "image/png"), upload("b.webm", WEBM)],
        )
    assert not BugReport.objects.exists()
    assert stored_files(media_root) == []
