"""The portal's video page shows the image a video started from, and what it was made from."""

import io

import pytest
from PIL import Image
from rendition_fixtures import clip_bytes, complete_with_video, ready_rendition

from factories import GenerationFactory
from generation.derivatives import request_extension
from generation.references import ReferenceImage
from generation.services import request_generation

pytestmark = pytest.mark.django_db


def png(width, height) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 20, 30)).save(out, format="PNG")
    return out.getvalue()


def test_the_reference_image_is_shown_to_its_owner_only(tester, tester_client, client, media_root):
    content = png(1280, 720)
    generation = request_generation(
        membership=tester,
        prompt="from a frame",
        size="1280x720",
        reference=ReferenceImage(content, "image/png", "png", 1280, 720),
    )
    page = tester_client.get(f"/videos/{generation.public_id}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'src="/videos/{generation.public_id}/reference"' in html
    assert "Starts from your reference image" in html
    image = tester_client.get(f"/videos/{generation.public_id}/reference")
    assert (image.status_code, image["Content-Type"]) == (200, "image/png")
    assert b"".join(image.streaming_content) == content
    assert image["Cache-Control"] == "private, no-store"


def test_an_extension_page_names_its_source(tester, tester_client, media_root):
    source = GenerationFactory(tester=tester.user, program=tester.program, size="1280x720")
    complete_with_video(source, clip_bytes(width=320, height=180))
    ready_rendition(source, clip_bytes(width=320, height=180))
    extension = request_extension(membership=tester, source=source, prompt="on", seconds=4)
    html = tester_client.get(f"/videos/{extension.public_id}/").content.decode()
    assert f'href="/videos/{source.public_id}/"' in html
    assert "Extension of" in html
    assert "Continues from the last frame of its source" in html
    assert "8 seconds" in html
