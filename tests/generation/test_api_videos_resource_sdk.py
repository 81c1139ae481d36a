"""The rest of the SDK's Videos resource through the official `openai` SDK against a live server:
remix, edit, extend, input_reference (file and object forms), characters, and the checks on
seconds, sizes and models. No worker: what is queued stays queued (renders: tests/e2e)."""

import base64
import io

import openai
import pytest
from PIL import Image
from rendition_fixtures import clip_bytes, complete_with_video, ready_rendition

from factories import GenerationFactory, MembershipFactory, token_for
from generation.models import MODEL_CHOICES, SECONDS_CHOICES, SIZE_CHOICES, Generation

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]


def sdk(live_server, api_key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{live_server.url}/v1", api_key=api_key, max_retries=0)


@pytest.fixture
def client(live_server, token) -> openai.OpenAI:
    return sdk(live_server, token)


def completed_video(membership, *, size="1280x720", seconds=4) -> Generation:
    """A finished video of `membership`'s tester with its preview ready."""
    generation = GenerationFactory(
        tester=membership.user, program=membership.program, size=size, seconds=seconds
    )
    width, height = (int(side) // 4 for side in size.split("x"))
    generation = complete_with_video(generation, clip_bytes(width=width, height=height))
    ready_rendition(generation, clip_bytes(width=width, height=height))
    return generation


def by_id(video_id: str) -> dict:
    """`video={"id": ...}` as openai 3.63 can send it: its typed edit()/extend() refuse a dict
    client-side (they take it for a file), so the object goes in extra_body, which the SDK
    sends as the multipart field `video[id]`."""
    return {"video": openai.omit, "extra_body": {"video": {"id": video_id}}}


def reference_object(value: dict) -> dict:
    """input_reference's object form, sent the same way (`input_reference[image_url]`)."""
    return {"extra_body": {"input_reference": value}}


def png(width: int, height: int, *, fmt="PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 90)).save(out, format=fmt)
    return out.getvalue()


# --- Remix, edit, extend --------------------------------------------------------------------


def test_a_remix_is_a_new_video_linked_to_its_source(client, tester, media_root):
    source = completed_video(tester)
    remix = client.videos.remix(source.public_id, prompt="the same boat, at night")
    assert remix.status == "queued"
    assert remix.remixed_from_video_id == source.public_id
    assert (remix.size, remix.seconds, remix.model) == (source.size, "4", source.model)
    assert remix.prompt == "the same boat, at night"
    stored = Generation.objects.get(public_id=remix.id)
    assert (stored.kind, stored.source_id, stored.seed) == ("remix", source.pk, source.seed)
    # The poll and the list say the same.
    assert client.videos.retrieve(remix.id).remixed_from_video_id == source.public_id
    listed = {video.id: video for video in client.videos.list().data}
    assert listed[remix.id].remixed_from_video_id == source.public_id
    assert listed[source.public_id].remixed_from_video_id is None


def test_a_remix_of_an_unapproved_output_is_unapproved(client, tester, media_root):
    source = completed_video(tester)
    remix = client.videos.remix(source.public_id, prompt="again")
    stored = Generation.objects.get(public_id=remix.id)
    assert not stored.share_requests.exists()
    assert not stored.renditions.filter(kind="published").exists()


def test_an_unfinished_video_cannot_be_remixed(client, tester):
    queued = GenerationFactory(tester=tester.user, program=tester.program)
    with pytest.raises(openai.ConflictError) as raised:
        client.videos.remix(queued.public_id, prompt="again")
    assert raised.value.code == "video_not_ready"
    assert "only a completed video" in raised.value.body["message"]


def test_an_edit_starts_from_the_sources_first_frame(client, tester, media_root):
    source = completed_video(tester, size="720x1280")
    edited = client.videos.edit(prompt="make it snow", **by_id(source.public_id))
    assert (edited.status, edited.size, edited.seconds) == ("queued", "720x1280", "4")
    assert edited.remixed_from_video_id is None
    stored = Generation.objects.get(public_id=edited.id)
    assert (stored.kind, stored.source_id) == ("edit", source.pk)
    assert stored.reference_type == "image/png"


def test_an_extension_continues_from_the_last_frame_and_reports_the_stitched_length(
    client, tester, media_root
):
    source = completed_video(tester, seconds=8)
    extended = client.videos.extend(
        prompt="the boat sails on", seconds="4", **by_id(source.public_id)
    )
    assert extended.seconds == "12"  # the stitched total, as the SDK documents
    stored = Generation.objects.get(public_id=extended.id)
    assert (stored.kind, stored.seconds, stored.stitched_seconds) == ("extension", 4, 12)
    assert stored.reference_key


def test_an_extension_length_the_program_does_not_offer_names_the_allowed_ones(
    client, tester, media_root
):
    source = completed_video(tester)
    with pytest.raises(openai.BadRequestError) as raised:
        client.videos.extend(prompt="on", seconds="16", **by_id(source.public_id))
    assert raised.value.param == "seconds"
    assert "'4', '8', '12'" in raised.value.body["message"]


def test_uploading_a_video_to_edit_is_a_clear_bad_request(client, tester):
    with pytest.raises(openai.BadRequestError) as raised:
        client.videos.edit(prompt="snow", video=("clip.mp4", clip_bytes(), "video/mp4"))
    assert raised.value.param == "video"
    assert "name one of your completed videos" in raised.value.body["message"]


# --- Scoping --------------------------------------------------------------------------------


def test_another_testers_video_is_not_found_for_every_method(
    client, live_server, tester, media_root
):
    other = MembershipFactory(program=tester.program)
    theirs = completed_video(other)
    calls = {
        "remix": lambda: client.videos.remix(theirs.public_id, prompt="mine now"),
        "edit": lambda: client.videos.edit(prompt="mine", **by_id(theirs.public_id)),
        "extend": lambda: client.videos.extend(
            prompt="mine", seconds="4", **by_id(theirs.public_id)
        ),
        "thumbnail": lambda: client.videos.download_content(theirs.public_id, variant="thumbnail"),
        "spritesheet": lambda: client.videos.download_content(
            theirs.public_id, variant="spritesheet"
        ),
    }
    for name, call in calls.items():
        with pytest.raises(openai.NotFoundError) as raised:
            call()
        body = raised.value.body
        assert set(body) == {"message", "type", "param", "code"}, name
        assert (body["type"], body["code"]) == ("invalid_request_error", "not_found"), name
    assert Generation.objects.filter(source=theirs).count() == 0
    # Their own token still works on it.
    assert sdk(live_server, token_for(other)).videos.remix(theirs.public_id, prompt="x").id


# --- input_reference ------------------------------------------------------------------------


def test_an_uploaded_reference_image_is_checked_and_kept(client, tester, media_root):
    video = client.videos.create(
        prompt="from this frame",
        size="1280x720",
        input_reference=("frame.png", png(1280, 720), "image/png"),
    )
    stored = Generation.objects.get(public_id=video.id)
    assert stored.reference_type == "image/png"
    assert (media_root / stored.reference_key).read_bytes() == png(1280, 720)


@pytest.mark.parametrize("fmt,mime", [("JPEG", "image/jpeg"), ("WEBP", "image/webp")])
def test_jpeg_and_webp_references_are_accepted_by_content(client, tester, media_root, fmt, mime):
    # Named .png: the type is read from the content, not the name.
    image = png(720, 1280, fmt=fmt)
    video = client.videos.create(
        prompt="x", size="720x1280", input_reference=("frame.png", image, "image/png")
    )
    assert Generation.objects.get(public_id=video.id).reference_type == mime


def test_a_reference_of_another_size_names_the_expected_one(client, tester, media_root):
    with pytest.raises(openai.BadRequestError) as raised:
        client.videos.create(
            prompt="x", size="1792x1024", input_reference=("f.png", png(1280, 720), "image/png")
        )
    assert raised.value.param == "input_reference"
    assert "1280x720" in raised.value.body["message"]
    assert "expected 1792x1024" in raised.value.body["message"]
    assert not Generation.objects.exists()


def test_a_reference_that_is_not_an_image_is_refused(client, tester, media_root):
    with pytest.raises(openai.BadRequestError) as raised:
        client.videos.create(
            prompt="x", input_reference=("frame.png", b"GIF89a not really", "image/png")
        )
    assert raised.value.param == "input_reference"
    assert "PNG, JPEG or WebP" in raised.value.body["message"]


def test_the_object_form_takes_a_data_url(client, tester, media_root):
    data_url = "data:image/png;base64," + base64.b64encode(png(1280, 720)).decode()
    video = client.videos.create(
        prompt="x", size="1280x720", **reference_object({"image_url": data_url})
    )
    assert Generation.objects.get(public_id=video.id).reference_type == "image/png"


@pytest.mark.parametrize(
    "reference,says",
    [
        ({"image_url": "http://169.254.169.254/latest/frame.png"}, "does not fetch"),
        ({"image_url": "https://example.com/frame.png"}, "does not fetch"),
        ({"file_id": "file-abc123"}, "no Files API"),
    ],
)
def test_object_forms_the_platform_does_not_serve_are_clear_bad_requests(
    client, tester, reference, says
):
    with pytest.raises(openai.BadRequestError) as raised:
        client.videos.create(prompt="x", size="1280x720", **reference_object(reference))
    assert raised.value.param == "input_reference"
    assert says in raised.value.body["message"]


# --- Characters -----------------------------------------------------------------------------


def test_characters_are_the_testers_own_and_used_by_name(client, live_server, tester, media_root):
    created = client.videos.create_character(
        name="Captain Lu", video=("lu.mp4", clip_bytes(), "video/mp4")
    )
    assert created.id.startswith("char_")
    assert created.name == "Captain Lu"
    fetched = client.videos.get_character(created.id)
    assert (fetched.id, fetched.name, fetched.created_at) == (
        created.id,
        "Captain Lu",
        created.created_at,
    )
    video = client.videos.create(prompt="@captain_lu rows across the bay", size="1280x720")
    assert [c.public_id for c in Generation.objects.get(public_id=video.id).characters.all()] == [
        created.id
    ]
    other = sdk(live_server, token_for(MembershipFactory(program=tester.program)))
    with pytest.raises(openai.NotFoundError) as raised:
        other.videos.get_character(created.id)
    assert raised.value.body["code"] == "not_found"
    theirs = other.videos.create(prompt=f"{created.id} rows across the bay")
    assert not Generation.objects.get(public_id=theirs.id).characters.exists()


def test_a_character_needs_a_real_clip_and_a_new_name(client, tester, media_root):
    with pytest.raises(openai.BadRequestError) as raised:
        client.videos.create_character(name="Lu", video=("lu.mp4", b"not a video", "video/mp4"))
    assert raised.value.param == "video"
    client.videos.create_character(name="Lu", video=("lu.mp4", clip_bytes(), "video/mp4"))
    with pytest.raises(openai.BadRequestError) as raised:
        client.videos.create_character(name="Lu", video=("lu.mp4", clip_bytes(), "video/mp4"))
    assert raised.value.param == "name"
    assert "already have a character named 'Lu'" in raised.value.body["message"]


# --- Seconds, sizes, models -----------------------------------------------------------------


def test_every_length_size_and_model_of_the_sdk_is_accepted(client, tester, settings):
    tester.program.active_jobs_per_tester = 100
    tester.program.save()
    tester.daily_quota = 100
    tester.save()
    for seconds in SECONDS_CHOICES:
        for size in SIZE_CHOICES:
            for model in MODEL_CHOICES:
                video = client.videos.create(
                    prompt="x", seconds=str(seconds), size=size, model=model
                )
                assert (video.seconds, video.size, video.model) == (str(seconds), size, model)


def test_a_restricted_program_names_the_allowed_values(client, tester):
    tester.program.allowed_seconds = [4]
    tester.program.allowed_sizes = ["1280x720"]
    tester.program.save()
    with pytest.raises(openai.BadRequestError) as raised:
        client.videos.create(prompt="x", seconds="12", size="1280x720")
    assert (raised.value.param, raised.value.body["message"]) == (
        "seconds",
        "This program offers 4 second clips.",
    )
    with pytest.raises(openai.BadRequestError) as raised:
        client.videos.create(prompt="x", seconds="4", size="1024x1792")
    assert raised.value.param == "size"
    assert "1280x720" in raised.value.body["message"]
    with pytest.raises(openai.BadRequestError) as raised:
        client.videos.create(prompt="x", model="sora-3")
    assert raised.value.param == "model"
    assert "'sora-2', 'sora-2-pro'" in raised.value.body["message"]


def test_json_bodies_take_the_object_forms_too(api, tester, media_root):
    source = completed_video(tester)
    edited = api.post(
        "/v1/videos/edits", {"prompt": "snow", "video": {"id": source.public_id}}, format="json"
    )
    assert edited.status_code == 200, edited.json()
    data_url = "data:image/png;base64," + base64.b64encode(png(1280, 720)).decode()
    created = api.post(
        "/v1/videos",
        {"prompt": "x", "size": "1280x720", "input_reference": {"image_url": data_url}},
        format="json",
    )
    assert created.status_code == 200, created.json()
    assert Generation.objects.get(public_id=created.json()["id"]).reference_key
