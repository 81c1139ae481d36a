"""Visible program watermark: a line of text burnt into a corner of every frame.

Text is drawn with a small built-in 5x8 bitmap font (no font files, no Pillow), scaled
by whole pixels with the frame size, light text with a dark outline so it reads on any
background, blended into the yuv420p planes at the requested opacity.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np

POSITIONS = ("bottom_right", "bottom_left", "top_right", "top_left")  # Program.WatermarkPosition
TEXT_LUMA, OUTLINE_LUMA, NEUTRAL_CHROMA = 235.0, 16.0, 128.0
GLYPH_WIDTH, GLYPH_HEIGHT = 5, 8  # rows 0-6 cap height, row 7 descenders

# One glyph per line: eight rows of five pixels ('#' ink), missing rows are blank.
_FONT_SOURCE = """
A .###. #...# #...# ##### #...# #...# #...#
B ####. #...# #...# ####. #...# #...# ####.
C .###. #...# #.... #.... #.... #...# .###.
D ###.. #..#. #...# #...# #...# #..#. ###..
E ##### #.... #.... ####. #.... #.... #####
F ##### #.... #.... ####. #.... #.... #....
G .###. #...# #.... #.### #...# #...# .####
H #...# #...# #...# ##### #...# #...# #...#
I .###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.
J ..### ...#. ...#. ...#. ...#. #..#. .##..
K #...# #..#. #.#.. ##... #.#.. #..#. #...#
L #.... #.... #.... #.... #.... #.... #####
M #...# ##.## #.#.# #.#.# #...# #...# #...#
N #...# #...# ##..# #.#.# #..## #...# #...#
O .###. #...# #...# #...# #...# #...# .###.
P ####. #...# #...# ####. #.... #.... #....
Q .###. #...# #...# #...# #.#.# #..#. .##.#
R ####. #...# #...# ####. #.#.. #..#. #...#
S .#### #.... #.... .###. ....# ....# ####.
T ##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..
U #...# #...# #...# #...# #...# #...# .###.
V #...# #...# #...# #...# #...# .#.#. ..#..
W #...# #...# #...# #.#.# #.#.# #.#.# .#.#.
X #...# #...# .#.#. ..#.. .#.#. #...# #...#
Y #...# #...# .#.#. ..#.. ..#.. ..#.. ..#..
Z ##### ....# ...#. ..#.. .#... #.... #####
a ..... ..... .###. ....# .#### #...# .####
b #.... #.... #.##. ##..# #...# #...# ####.
c ..... ..... .###. #.... #.... #...# .###.
d ....# ....# .##.# #..## #...# #...# .####
e ..... ..... .###. #...# ##### #.... .###.
f ..##. .#..# .#... ###.. .#... .#... .#...
g ..... ..... .#### #...# #...# .#### ....# .###.
h #.... #.... #.##. ##..# #...# #...# #...#
i ..#.. ..... .##.. ..#.. ..#.. ..#.. .###.
j ...#. ..... ..##. ...#. ...#. ...#. #..#. .##..
k #.... #.... #..#. #.#.. ##... #.#.. #..#.
l .##.. ..#.. ..#.. ..#.. ..#.. ..#.. .###.
m ..... ..... ##.#. #.#.# #.#.# #.#.# #.#.#
n ..... ..... #.##. ##..# #...# #...# #...#
o ..... ..... .###. #...# #...# #...# .###.
p ..... ..... ####. #...# #...# ####. #.... #....
q ..... ..... .#### #...# #...# .#### ....# ....#
r ..... ..... #.##. ##..# #.... #.... #....
s ..... ..... .###. #.... .###. ....# ####.
t .#... .#... ###.. .#... .#... .#..# ..##.
u ..... ..... #...# #...# #...# #..## .##.#
v ..... ..... #...# #...# #...# .#.#. ..#..
w ..... ..... #...# #...# #.#.# #.#.# .#.#.
x ..... ..... #...# .#.#. ..#.. .#.#. #...#
y ..... ..... #...# #...# #...# .#### ....# .###.
z ..... ..... ##### ...#. ..#.. .#... #####
0 .###. #...# #..## #.#.# ##..# #...# .###.
1 ..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.
2 .###. #...# ....# ...#. ..#.. .#... #####
3 ####. ....# ....# .###. ....# ....# ####.
4 ...#. ..##. .#.#. #..#. ##### ...#. ...#.
5 ##### #.... ####. ....# ....# #...# .###.
6 ..##. .#... #.... ####. #...# #...# .###.
7 ##### ....# ...#. ..#.. .#... .#... .#...
8 .###. #...# #...# .###. #...# #...# .###.
9 .###. #...# #...# .#### ....# ...#. .##..
. ..... ..... ..... ..... ..... .##.. .##..
, ..... ..... ..... ..... ..... .##.. ..#.. .#...
: ..... .##.. .##.. ..... .##.. .##..
; ..... .##.. .##.. ..... .##.. ..#.. .#...
- ..... ..... ..... .###.
_ ..... ..... ..... ..... ..... ..... ..... #####
· ..... ..... ..... .##.. .##..
' ..#.. ..#.. .#...
" .#.#. .#.#.
! ..#.. ..#.. ..#.. ..#.. ..#.. ..... ..#..
? .###. #...# ....# ...#. ..#.. ..... ..#..
& .##.. #..#. #.#.. .#... #.#.# #..#. .##.#
( ...#. ..#.. .#... .#... .#... ..#.. ...#.
) .#... ..#.. ...#. ...#. ...#. ..#.. .#...
[ .###. .#... .#... .#... .#... .#... .###.
] .###. ...#. ...#. ...#. ...#. ...#. .###.
/ ....# ....# ...#. ..#.. .#... #.... #....
| ..#.. ..#.. ..#.. ..#.. ..#.. ..#.. ..#..
+ ..... ..#.. ..#.. ##### ..#.. ..#..
= ..... ..... ##### ..... #####
* ..... ..#.. #.#.# .###. #.#.# ..#..
# .#.#. .#.#. ##### .#.#. ##### .#.#. .#.#.
@ .###. #...# #.### #.#.# #.### #.... .###.
% ##..# ##..# ...#. ..#.. .#... #..## #..##
$ ..#.. .#### #.#.. .###. ..#.# ####. ..#..
< ...#. ..#.. .#... #.... .#... ..#.. ...#.
> .#... ..#.. ...#. ....# ...#. ..#.. .#...
"""
_SUBSTITUTES = {  # typographic punctuation the font draws with its ASCII look-alike
    "\u2014": "-",
    "\u2013": "-",
    "\u2010": "-",
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2022": "\u00b7",
}


def _load_font() -> dict[str, np.ndarray]:
    font = {" ": np.zeros((GLYPH_HEIGHT, GLYPH_WIDTH), dtype=bool)}
    for line in _FONT_SOURCE.strip().splitlines():
        char, *rows = line.split(" ")
        glyph = np.zeros((GLYPH_HEIGHT, GLYPH_WIDTH), dtype=bool)
        for index, row in enumerate(rows):
            glyph[index] = [pixel == "#" for pixel in row]
        font[char] = glyph
    return font


FONT = _load_font()


@dataclass(frozen=True)
class VisibleMark:
    text: str  # e.g. "Early access · <program>"
    position: str  # one of POSITIONS
    opacity: float  # 0.0 (no visible mark) .. 1.0

    def __post_init__(self) -> None:
        if self.position not in POSITIONS:
            raise ValueError(f"position must be one of {', '.join(POSITIONS)}")
        if not 0.0 <= self.opacity <= 1.0:
            raise ValueError("opacity must be within 0..1")


def printable(text: str) -> str:
    """The text as the font can draw it: accents dropped, unknown characters as '?'."""
    out = []
    for char in " ".join(text.split()):
        char = _SUBSTITUTES.get(char, char)
        if char not in FONT:
            base = "".join(
                c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
            )
            char = base if base and all(c in FONT for c in base) else "?"
        out.append(char)
    return "".join(out)


def text_bitmap(text: str) -> np.ndarray:
    """Boolean ink mask of one line of text, GLYPH_HEIGHT rows, one blank column between."""
    glyphs = [FONT[char] for char in text]
    if not glyphs:
        return np.zeros((GLYPH_HEIGHT, 0), dtype=bool)
    spaced = [np.pad(glyph, ((0, 0), (0, 1))) for glyph in glyphs]
    return np.concatenate(spaced, axis=1)[:, :-1]


def _dilate(mask: np.ndarray) -> np.ndarray:
    """Mask grown by one pixel in all eight directions (mask must have a blank border)."""
    grown = mask.copy()
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            grown |= np.roll(np.roll(mask, dy, axis=0), dx, axis=1)
    return grown


class Overlay:
    """A VisibleMark laid out for one frame size; apply() blends it into frames in place."""

    def __init__(self, mark: VisibleMark, width: int, height: int) -> None:
        short = min(width, height)
        margin = 2 * max(1, round(short * 0.03) // 2)
        room = width - 2 * margin
        text = printable(mark.text)
        scale = max(1, round(short / 240))
        # Shrink the pixel size, then trim characters, until the line fits the frame.
        while scale > 1 and (len(text) * (GLYPH_WIDTH + 1) + 1) * scale > room:
            scale -= 1
        fitting = (room // scale - 1) // (GLYPH_WIDTH + 1)
        if len(text) > fitting:
            text = text[: fitting - 3].rstrip() + "..." if fitting > 3 else ""
        ink = np.pad(text_bitmap(text), 1)  # room for the outline
        outline = _dilate(ink) & ~ink
        # Whole-pixel upscaling keeps glyph edges crisp; even sizes keep chroma aligned.
        ink = np.kron(ink, np.ones((scale, scale), dtype=bool))
        outline = np.kron(outline, np.ones((scale, scale), dtype=bool))
        box_h, box_w = ink.shape[0] + ink.shape[0] % 2, ink.shape[1] + ink.shape[1] % 2
        self.alpha = np.zeros((box_h, box_w), dtype=np.float32)
        self.target = np.full((box_h, box_w), OUTLINE_LUMA, dtype=np.float32)
        self.alpha[: ink.shape[0], : ink.shape[1]][ink | outline] = mark.opacity
        self.target[: ink.shape[0], : ink.shape[1]][ink] = TEXT_LUMA
        self.chroma_alpha = self.alpha.reshape(box_h // 2, 2, box_w // 2, 2).mean(axis=(1, 3))
        self.text = text
        self.width, self.height = width, height
        top = margin if mark.position.startswith("top") else height - margin - box_h
        left = margin if mark.position.endswith("left") else width - margin - box_w
        self.top, self.left = max(0, top - top % 2), max(0, left - left % 2)
        self.active = bool(text) and mark.opacity > 0 and box_h <= height - 2 * margin

    def apply(self, frame: np.ndarray) -> None:
        """Blend into a packed yuv420p frame array (height * 3 // 2, width), in place."""
        if not self.active:
            return
        h, w = self.height, self.width
        if frame.shape != (h * 3 // 2, w) or not frame.flags.c_contiguous:
            raise ValueError(f"expected a contiguous packed yuv420p array for {w}x{h}")
        quarter = (h // 2) * (w // 2)
        chroma = frame.reshape(-1)[h * w : h * w + 2 * quarter].reshape(2, h // 2, w // 2)
        self.apply_planes(frame[:h], chroma[0], chroma[1])

    def apply_planes(self, luma: np.ndarray, cb: np.ndarray, cr: np.ndarray) -> None:
        """Blend into the three planes of a yuv420p frame, in place (strided views welcome).

        Only the mark's bounding box is read and written: a few kilobytes a frame.
        """
        if not self.active:
            return
        if luma.shape[0] < self.height or luma.shape[1] < self.width:
            raise ValueError(f"expected planes for {self.width}x{self.height}")
        box_h, box_w = self.alpha.shape
        box = luma[self.top : self.top + box_h, self.left : self.left + box_w]
        blended = box + self.alpha * (self.target - box)
        box[...] = np.rint(blended, out=blended)
        rows = slice(self.top // 2, (self.top + box_h) // 2)
        cols = slice(self.left // 2, (self.left + box_w) // 2)
        for plane in (cb, cr):
            region = plane[rows, cols]
            mixed = region + self.chroma_alpha * (NEUTRAL_CHROMA - region)
            region[...] = np.rint(mixed, out=mixed)
