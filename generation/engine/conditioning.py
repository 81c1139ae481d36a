"""What a render may be conditioned on, as the create request sends it: a start frame
(`input_reference`) and characters (`characters`), each an image in a base64 data URL."""

from __future__ import annotations

import base64
from typing import Any

from .render import image_size

MAX_CHARACTERS = 4
MAX_NAME = 80


class InvalidRequest(Exception):
    def __init__(self, message: str, param: str | None, code: str = "invalid_value") -> None:
        super().__init__(message)
        self.param, self.code = param, code


def _image(value: Any, param: str) -> tuple[bytes, tuple[int, int]]:
    url = value.get("image_url") if isinstance(value, dict) else None
    if not isinstance(url, str) or not url.startswith("data:image/") or ";base64," not in url:
        raise InvalidRequest(
            f"'{param}' must hold 'image_url': 'data:image/...;base64,...'.", param
        )
    try:
        content = base64.b64decode(url.partition(",")[2], validate=True)
        return content, image_size(content)
    except ValueError:
        raise InvalidRequest(f"'{param}' is not a readable image.", param) from None


def parse_reference(value: Any, width: int, height: int) -> bytes | None:
    """`input_reference: {"image_url": ...}`: the frame the clip starts from (a first frame,
    or the last frame of a clip being extended), exactly of the clip's size."""
    if value is None:
        return None
    content, size = _image(value, "input_reference")
    if size != (width, height):
        raise InvalidRequest(
            f"'input_reference' is {size[0]}x{size[1]}; the clip is {width}x{height}.",
            "input_reference",
        )
    return content


def parse_characters(value: Any) -> list[bytes]:
    """`characters: [{"name", "image_url"}]` (at most MAX_CHARACTERS): people or things the
    prompt names, each given by a frame of its reference clip (any size)."""
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_CHARACTERS:
        raise InvalidRequest(
            f"'characters' must be a list of at most {MAX_CHARACTERS} objects.", "characters"
        )
    images = []
    for item in value:
        name = item.get("name") if isinstance(item, dict) else None
        if not isinstance(name, str) or not 1 <= len(name) <= MAX_NAME:
            raise InvalidRequest(
                f"Each character needs a name of 1..{MAX_NAME} characters.", "characters"
            )
        images.append(_image(item, "characters")[0])
    return images
