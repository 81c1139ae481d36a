"""Images the engine starts from: an uploaded input_reference, a character's first frame, the
last frame of a video being extended. Checked by content (never by name or declared type),
kept privately in Django's default storage under random keys, and sent to the engine as PNG."""

import base64
import binascii
import io
import secrets
from dataclasses import dataclass

import av
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, UnidentifiedImageError

MAX_REFERENCE_BYTES = 10 * 1024 * 1024
# Pillow names -> the MIME type stored and the file extension.
IMAGE_FORMATS = {
    "PNG": ("image/png", "png"),
    "JPEG": ("image/jpeg", "jpg"),
    "WEBP": ("image/webp", "webp"),
}
DATA_URL_PREFIX = "data:"


class ReferenceRejected(Exception):
    """An input the tester can fix; `param` names the field."""

    def __init__(self, message: str, *, param: str = "input_reference"):
        super().__init__(message)
        self.param = param


@dataclass(frozen=True)
class ReferenceImage:
    content: bytes
    mime_type: str
    extension: str
    width: int
    height: int


def check_image(content: bytes, *, size: str) -> ReferenceImage:
    """The image in `content` if it is a PNG, JPEG or WebP of exactly `size` (WIDTHxHEIGHT)."""
    if len(content) > MAX_REFERENCE_BYTES:
        raise ReferenceRejected(
            f"input_reference is larger than {MAX_REFERENCE_BYTES // (1024 * 1024)} MB."
        )
    try:
        with Image.open(io.BytesIO(content), formats=list(IMAGE_FORMATS)) as image:
            kind, (width, height) = image.format, image.size
            image.verify()  # reads the whole file: a truncated or corrupt one fails here
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ReferenceRejected(
            "input_reference must be a PNG, JPEG or WebP image (checked by its content)."
        ) from None
    if f"{width}x{height}" != size:
        raise ReferenceRejected(
            f"input_reference is {width}x{height}; it must match the video size {size} "
            f"(expected {size})."
        )
    mime_type, extension = IMAGE_FORMATS[kind]
    return ReferenceImage(content, mime_type, extension, width, height)


def image_from_object(value: dict, *, size: str) -> ReferenceImage:
    """The object form of input_reference: `{"image_url": "data:image/...;base64,..."}`.

    Only data URLs: fetching an arbitrary URL from the platform's network is never done.
    `file_id` names a file of OpenAI's Files API, which this platform does not offer."""
    if set(value) - {"image_url", "file_id"} or len(value) != 1:
        raise ReferenceRejected(
            "input_reference must be an uploaded image, {'image_url': <data URL>} or "
            "{'file_id': ...}."
        )
    if "file_id" in value:
        raise ReferenceRejected(
            "input_reference.file_id is not supported: this platform has no Files API. Upload "
            "the image as input_reference, or send it as a data URL in image_url."
        )
    url = value["image_url"]
    if not isinstance(url, str) or not url.startswith(DATA_URL_PREFIX):
        raise ReferenceRejected(
            "input_reference.image_url must be a base64 data URL (data:image/png;base64,...); "
            "the platform does not fetch images from other addresses. Upload the file instead."
        )
    header, _, payload = url.partition(",")
    if not header.endswith(";base64"):
        raise ReferenceRejected("input_reference.image_url must be base64-encoded.")
    if len(payload) > MAX_REFERENCE_BYTES * 4 // 3 + 4:
        raise ReferenceRejected(
            f"input_reference is larger than {MAX_REFERENCE_BYTES // (1024 * 1024)} MB."
        )
    try:
        content = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise ReferenceRejected("input_reference.image_url is not valid base64.") from None
    return check_image(content, size=size)


def store_image(image: ReferenceImage, *, program_id: int) -> str:
    """Keep the image privately under a random key; returns the key."""
    key = f"references/{program_id}/{secrets.token_urlsafe(24)}.{image.extension}"
    return default_storage.save(key, ContentFile(image.content, name=key))


def png_of_stored_image(key: str) -> bytes:
    """A stored reference image as PNG, the one format the engine is sent."""
    with default_storage.open(key, "rb") as stored, Image.open(stored) as image:
        out = io.BytesIO()
        image.convert("RGB").save(out, format="PNG")
        return out.getvalue()


def stored_bytes(key: str) -> bytes:
    with default_storage.open(key, "rb") as stored:
        return stored.read()


def _frame_png(frame: av.VideoFrame) -> bytes:
    out = io.BytesIO()
    frame.to_image().save(out, format="PNG")
    return out.getvalue()


def video_frame_png(key: str, *, last: bool, size: tuple[int, int]) -> bytes:
    """The first (or last) frame of a stored video as a PNG of `size` (width, height);
    ValueError if it has none."""
    chosen = None
    with default_storage.open(key, "rb") as stored, av.open(stored) as container:
        for frame in container.decode(video=0):
            chosen = frame
            if not last:
                break
        if chosen is None:
            raise ValueError(f"{key} holds no video frame")
        return _frame_png(chosen.reformat(width=size[0], height=size[1]))
