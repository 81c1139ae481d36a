"""The artist portal: sign-in required, only one's own videos, generate form, status, media."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rendition_fixtures import ready_rendition

from accessprogram.programs.models import Membership, Program
from clients import signed_in
from engine_doubles import FullEngine
from factories import GenerationFactory, MembershipFactory, ProgramFactory, UserFactory
from generation import dispatch
from generation.models import Asset, Generation

PASSWORD = "correct-horse-battery"
VIDEO_BYTES = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 64
PREVIEW_BYTES = b"\x00\x00\x00\x18ftypmp42 watermarked" + bytes(range(255, -1, -1)) * 64


@pytest.fixture
def browser(tester) -> Client:
    return signed_in(tester.user)


@pytest.fixture
def mine(tester):
    return GenerationFactory(tester=tester.user, program=tester.program, prompt="my own lighthouse")


@pytest.fixture
def theirs(program):
    other = MembershipFactory(program=program)
    return GenerationFactory(tester=other.user, program=program, prompt="their secret harbour")


def completed(generation, *, preview=True):
    """Mark `generation` completed and give it a stored file and Asset (the original) and,
    unless told otherwise, a ready watermarked preview with different bytes."""
    key = default_storage.save(
        f"generations/{generation.program_id}/{generation.public_id}.mp4", ContentFile(VIDEO_BYTES)
    )
    Asset.objects.create(
        generation=generation,
        storage_key=key,
        sha256="0" * 64,
        bytes=len(VIDEO_BYTES),
        width=generation.width,
        height=generation.height,
        duration_seconds=4.0,
        codec="h264",
    )
    Generation.objects.filter(pk=generation.pk).update(
        status=Generation.Status.COMPLETED, progress=100, completed_at=timezone.now()
    )
    generation.refresh_from_db()
    if preview:
        ready_rendition(generation, PREVIEW_BYTES)
    return generation


def form_data(tester, **overrides):
    return {
        "membership": tester.pk,
        "prompt": "a paper boat at dusk",
        "seconds": "4",
        "size": "1280x720",
        "seed": "",
        **overrides,
    }


# --- sign-in -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/"),
        ("post", "/"),
        ("get", "/videos/{id}/"),
        ("get", "/videos/{id}/status"),
        ("post", "/videos/{id}/cancel"),
        ("get", "/videos/{id}/media"),
    ],
)
def test_anonymous_visitors_are_sent_to_sign_in(client, mine, method, path):
    url = path.format(id=mine.public_id)
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"
    mine.refresh_from_db()
    assert mine.status == Generation.Status.QUEUED
    assert Generation.objects.count() == 1


def test_the_login_page_signs_a_tester_in(client, tester):
    response = client.post(
        "/accounts/login/", {"login": tester.user.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/welcome"  # the landing of one's role: a tester's is /
    assert client.get("/welcome")["Location"] == "/"
    assert client.get("/").status_code == 200


# --- only one's own work -------------------------------------------------------------------


def test_the_home_page_lists_only_my_videos(browser, mine, theirs):
    page = browser.get("/").content.decode()
    assert "my own lighthouse" in page
    assert f"/videos/{mine.public_id}/" in page
    assert "their secret harbour" not in page
    assert theirs.public_id not in page


def test_deleted_videos_are_not_listed(browser, mine):
    Generation.objects.filter(pk=mine.pk).update(deleted_at=timezone.now())
    assert "my own lighthouse" not in browser.get("/").content.decode()
    assert browser.get(f"/videos/{mine.public_id}/").status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/videos/{id}/"),
        ("get", "/videos/{id}/status"),
        ("get", "/videos/{id}/media"),
        ("post", "/videos/{id}/cancel"),
    ],
)
def test_another_users_video_is_404(browser, theirs, media_root, method, path):
    completed_theirs = method == "get" and path.endswith("media")
    if completed_theirs:
        completed(theirs)
    response = getattr(browser, method)(path.format(id=theirs.public_id))
    assert response.status_code == 404
    assert b"their secret harbour" not in response.content
    theirs.refresh_from_db()
    assert theirs.status == (
        Generation.Status.COMPLETED if completed_theirs else Generation.Status.QUEUED
    )


def test_an_unknown_video_is_404(browser):
    assert browser.get("/videos/video_nothing/").status_code == 404


def test_my_video_page_shows_the_prompt_and_settings(browser, mine):
    response = browser.get(f"/videos/{mine.public_id}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "my own lighthouse" in page
    assert f"seed {mine.seed}" in page


# --- the generate form ---------------------------------------------------------------------


def test_a_valid_request_queues_a_generation_and_opens_its_page(browser, tester):
    response = browser.post("/", form_data(tester, seconds="8", size="720x1280", seed="42"))
    generation = Generation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/videos/{generation.public_id}/"
    assert generation.tester == tester.user
    assert generation.program == tester.program
    assert generation.status == Generation.Status.QUEUED
    assert (generation.seconds, generation.size, generation.seed) == (8, "720x1280", 42)
    assert generation.prompt == "a paper boat at dusk"

    page = browser.get(response["Location"]).content.decode()
    assert "Your video is queued." in page


@pytest.mark.parametrize(
    ("overrides", "says"),
    [
        ({"prompt": ""}, "This field is required."),
        ({"prompt": "   "}, "This field is required."),
        ({"seed": "-1"}, "Ensure this value is greater than or equal to 0."),
        ({"seed": str(2**31)}, "Ensure this value is less than or equal to 2147483647."),
        ({"seconds": "5"}, "Select a valid choice."),
        ({"size": "640x480"}, "Select a valid choice."),
    ],
)
def test_invalid_input_is_shown_and_writes_nothing(browser, tester, overrides, says):
    response = browser.post("/", form_data(tester, **overrides))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="field-error"' in page
    assert says in page
    assert Generation.objects.count() == 0


def test_a_membership_that_is_not_mine_is_refused(browser, tester, program):
    someone_else = MembershipFactory(program=program)
    response = browser.post("/", form_data(tester, membership=someone_else.pk))
    assert response.status_code == 200
    assert Generation.objects.count() == 0


def test_a_membership_that_is_not_mine_is_refused_with_a_visible_error(tester, program):
    MembershipFactory(user=tester.user, program=ProgramFactory())  # two programs: a visible select
    someone_else = MembershipFactory(program=program)
    response = signed_in(tester.user).post("/", form_data(tester, membership=someone_else.pk))
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert Generation.objects.count() == 0


def test_over_the_daily_quota_shows_a_form_error(browser, tester, program):
    program.daily_generation_quota = 1
    program.save()
    GenerationFactory(tester=tester.user, program=program)

    response = browser.post("/", form_data(tester))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="form-error"' in page
    assert "Daily quota of 1 generations reached" in page
    assert Generation.objects.count() == 1


def test_over_the_active_jobs_limit_shows_a_form_error(browser, tester, program):
    program.active_jobs_per_tester = 1
    program.save()
    GenerationFactory(tester=tester.user, program=program)

    response = browser.post("/", form_data(tester))
    assert response.status_code == 200
    assert "the limit is 1" in response.content.decode()
    assert Generation.objects.count() == 1


def test_a_tester_in_two_programs_chooses_one(tester):
    second = MembershipFactory(user=tester.user, program=ProgramFactory(name="Second beta"))
    browser = signed_in(tester.user)
    assert "Second beta" in browser.get("/").content.decode()

    response = browser.post("/", form_data(tester, membership=second.pk))
    assert response.status_code == 302
    assert Generation.objects.get().program == second.program


@pytest.mark.parametrize(
    "setup",
    ["no membership", "reviewer", "suspended tester", "paused program"],
)
def test_a_user_who_is_not_an_active_tester_cannot_generate(program, setup):
    if setup == "no membership":
        user = UserFactory()
    elif setup == "reviewer":
        user = MembershipFactory(program=program, role=Membership.Role.REVIEWER).user
    elif setup == "suspended tester":
        user = MembershipFactory(program=program, status=Membership.Status.SUSPENDED).user
    else:
        user = MembershipFactory(program=ProgramFactory(status=Program.Status.PAUSED)).user
    browser = signed_in(user)

    page = browser.get("/").content.decode()
    assert "You are not an active tester in an open program yet" in page
    assert 'class="generate-form"' not in page

    membership = Membership.objects.filter(user=user).first()
    response = browser.post(
        "/",
        {
            "membership": membership.pk if membership else "",
            "prompt": "fog",
            "seconds": "4",
            "size": "1280x720",
        },
    )
    assert response.status_code == 200
    assert Generation.objects.count() == 0


# --- status and media ----------------------------------------------------------------------


def test_the_status_partial_shows_queue_position(browser, tester, program):
    earlier = MembershipFactory(program=program)
    GenerationFactory(
        tester=earlier.user, program=program, created_at=timezone.now() - timedelta(minutes=1)
    )
    mine = GenerationFactory(tester=tester.user, program=program)
    dispatch.advance(client_factory=FullEngine)  # the sweep places waiting jobs

    response = browser.get(f"/videos/{mine.public_id}/status")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<strong data-testid="queue-position">2</strong>' in page
    assert "hx-get" in page  # keeps polling while queued
    assert "<video" not in page
    assert "<html" not in page  # a fragment, not a whole page


def test_the_status_partial_shows_the_player_when_completed(browser, mine, media_root):
    completed(mine)
    response = browser.get(f"/videos/{mine.public_id}/status")
    page = response.content.decode()
    assert "<video" in page
    assert f'src="/videos/{mine.public_id}/media"' in page
    assert "queue-position" not in page
    assert "hx-get" not in page  # stops polling


def test_media_of_a_completed_video_streams_the_preview_privately(browser, mine, media_root):
    completed(mine)
    response = browser.get(f"/videos/{mine.public_id}/media")
    assert response.status_code == 200
    assert response["Content-Type"] == "video/mp4"
    assert response["Cache-Control"] == "private, no-store"
    served = b"".join(response.streaming_content)
    assert served == PREVIEW_BYTES
    assert served != VIDEO_BYTES  # the original never leaves storage


def test_media_before_the_preview_is_ready_is_404(browser, mine, media_root):
    completed(mine, preview=False)
    assert browser.get(f"/videos/{mine.public_id}/media").status_code == 404


def test_the_status_partial_says_the_preview_is_being_prepared(
    browser, mine, media_root, django_capture_on_commit_callbacks
):
    completed(mine, preview=False)
    with django_capture_on_commit_callbacks() as callbacks:
        page = browser.get(f"/videos/{mine.public_id}/status").content.decode()
    assert "Preparing your watermarked preview: " in page
    assert "hx-get" in page  # keeps polling until the preview is ready
    assert "<video" not in page
    assert len(callbacks) == 1  # a video finished before previews existed gets one now
    assert mine.renditions.get().status == "pending"


def test_the_preview_phase_is_named_and_shows_its_own_progress(browser, mine, media_root):
    completed(mine, preview=False)
    browser.get(f"/videos/{mine.public_id}/status")  # requests the preview
    mine.renditions.update(progress=45)
    page = browser.get(f"/videos/{mine.public_id}/status").content.decode()
    assert 'data-status="preparing_preview"' in page
    assert "Completed" not in page  # not before the tester can watch it
    assert '<strong data-testid="preview-progress">45%</strong>' in page
    assert 'id="share-panel-slot" hx-swap-oob="true"' in page  # the panel follows live


def test_media_of_a_queued_video_is_404(browser, mine):
    assert browser.get(f"/videos/{mine.public_id}/media").status_code == 404


def test_cancelling_my_queued_video(browser, mine):
    response = browser.post(f"/videos/{mine.public_id}/cancel")
    assert response.status_code == 302
    assert response["Location"] == f"/videos/{mine.public_id}/"
    mine.refresh_from_db()
    assert mine.status == Generation.Status.CANCELLED
    assert mine.engine_cleanup_pending is True


def test_cancel_needs_post(browser, mine):
    assert browser.get(f"/videos/{mine.public_id}/cancel").status_code == 405
    mine.refresh_from_db()
    assert mine.status == Generation.Status.QUEUED


def test_a_program_that_is_no_longer_offered_is_explained(client, tester):
    """The single-program form hides the program field; its error must still show."""
    client.force_login(tester.user)
    response = client.post(
        reverse("portal:home"),
        {"membership": tester.pk + 999, "prompt": "a fox", "seconds": 4, "size": "1280x720"},
    )
    assert "Program: Select a valid choice." in response.content.decode()
    assert not Generation.objects.exists()
