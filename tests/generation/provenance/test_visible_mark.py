"""The visible program watermark: where it goes, how strong, what it says."""

from __future__ import annotations

import numpy as np
import pytest

from accessprogram.programs.models import Program
from generation.provenance.visible import (
    POSITIONS,
    Overlay,
    VisibleMark,
    printable,
    text_bitmap,
)

WIDTH, HEIGHT = 640, 360
OPPOSITE = {
    "bottom_right": "top_left",
    "top_left": "bottom_right",
    "bottom_left": "top_right",
    "top_right": "bottom_left",
}


def grey_frame() -> np.ndarray:
    """A packed yuv420p frame (height * 3 // 2, width) of mid grey."""
    frame = np.full((HEIGHT * 3 // 2, WIDTH), 128, dtype=np.uint8)
    frame[:HEIGHT] = 120
    return frame


def corner(luma: np.ndarray, position: str) -> np.ndarray:
    """The frame's quarter at that corner."""
    rows = slice(0, HEIGHT // 2) if position.startswith("top") else slice(HEIGHT // 2, None)
    cols = slice(0, WIDTH // 2) if position.endswith("left") else slice(WIDTH // 2, None)
    return luma[rows, cols]


def marked(position: str, opacity: float, text: str = "Early access · Aurora") -> np.ndarray:
    frame = grey_frame()
    Overlay(VisibleMark(text=text, position=position, opacity=opacity), WIDTH, HEIGHT).apply(frame)
    return frame


def test_positions_are_the_programs_choices():
    assert set(POSITIONS) == set(Program.WatermarkPosition.values)


@pytest.mark.parametrize("position", POSITIONS)
def test_mark_lands_in_its_corner_and_nowhere_else(position):
    frame = marked(position, 0.6)
    changed = frame[:HEIGHT] != grey_frame()[:HEIGHT]
    assert corner(changed, position).sum() > 200  # text pixels, not a speck
    assert not corner(changed, OPPOSITE[position]).any()
    assert changed.sum() == corner(changed, position).sum()  # nothing outside its quarter
    # Light text, dark outline.
    luma = frame[:HEIGHT]
    assert luma.max() > 170 and luma.min() < 80


def test_opacity_scales_the_change_and_zero_means_no_mark():
    assert np.array_equal(marked("bottom_right", 0.0), grey_frame())
    faint, strong = marked("bottom_right", 0.2), marked("bottom_right", 1.0)
    base = grey_frame().astype(int)
    assert np.abs(faint.astype(int) - base).max() < np.abs(strong.astype(int) - base).max()
    assert strong[:HEIGHT].max() == 235  # full opacity: exactly the text colour


def test_chroma_is_neutralised_under_the_text():
    frame = grey_frame()
    frame[HEIGHT:] = 60  # a strongly coloured picture
    Overlay(VisibleMark("Aurora", "top_left", 1.0), WIDTH, HEIGHT).apply(frame)
    assert (frame[HEIGHT:] > 60).any()  # pulled towards neutral 128 under the text
    assert (frame[HEIGHT:] <= 128).all()


def test_text_bitmap_draws_each_character():
    bitmap = text_bitmap("Hi")
    assert bitmap.shape == (8, 11)  # two 5-pixel glyphs and one blank column
    assert bitmap[:, 5].sum() == 0
    assert bitmap[:, :5].sum() > 5 and bitmap[:, 6:].sum() > 3
    assert not np.array_equal(text_bitmap("O"), text_bitmap("0"))


def test_text_the_font_lacks_is_transliterated_or_replaced():
    assert printable("Café  Größe — Ñandú") == "Cafe Gro?e - Nandu"
    assert printable("Early access • 日本") == "Early access · ??"


def test_long_names_shrink_and_then_trim_to_fit():
    long_name = "Early access · " + "An extremely long program name " * 4
    overlay = Overlay(VisibleMark(long_name, "bottom_left", 0.6), WIDTH, HEIGHT)
    assert overlay.text.endswith("...")
    assert overlay.left + overlay.alpha.shape[1] <= WIDTH
    frame = grey_frame()
    overlay.apply(frame)  # does not raise at the frame edge
    short = Overlay(VisibleMark("Aurora", "bottom_left", 0.6), WIDTH, HEIGHT)
    assert short.text == "Aurora"


def test_text_grows_with_the_frame():
    small = Overlay(VisibleMark("Aurora", "top_left", 0.5), 640, 360)
    large = Overlay(VisibleMark("Aurora", "top_left", 0.5), 1920, 1080)
    assert large.alpha.shape[0] >= small.alpha.shape[0] * 1.5  # whole-pixel glyph scaling


@pytest.mark.parametrize(
    ("position", "opacity"),
    [("middle", 0.5), ("center", 0.5), ("top_left", 1.5), ("top_left", -0.1)],
)
def test_invalid_marks_are_refused(position, opacity):
    with pytest.raises(ValueError):
        VisibleMark("Aurora", position, opacity)


@pytest.mark.parametrize("text", ["", "   "])
def test_blank_text_draws_nothing(text):
    assert np.array_equal(marked("top_right", 1.0, text=text), grey_frame())
