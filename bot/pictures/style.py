"""Colours, fonts and a small drawing surface shared by every picture.

Pictures are drawn with Pillow at twice their size and scaled down once (Pillow draws
shapes without anti-aliasing; the downscale smooths circles and edges). Text is
DejaVu Sans, from Debian's ``fonts-dejavu-core`` (``.ci/run`` installs it); where it is
missing, Pillow's own built-in font is used instead, with a warning logged once.
"""

from __future__ import annotations

import io
import logging
import unicodedata
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

log = logging.getLogger(__name__)

SUPERSAMPLE = 2
FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/local/share/fonts/dejavu"),
)

# Discord's dark theme, which most members use; the pictures are opaque, so they read the
# same on the light theme.
BACKGROUND = "#232428"
PANEL = "#2e3035"
GRID = "#3f4147"
TEXT = "#f2f3f5"
MUTED = "#b5bac1"
ACCENT = "#f0514b"
"""The bot's red (its embeds' colour), lightened to stand out on the dark background."""

# The nine states people left, each with a colour that stays distinct for the common kinds
# of colour blindness (Okabe & Ito's palette, with the light grey and a lilac for the two
# smallest groups).
ORIGIN_COLOURS = {
    "Soviet Union": "#d55e00",
    "Czechoslovakia": "#56b4e9",
    "Hungary": "#009e73",
    "East Germany": "#e69f00",
    "Romania": "#f0e442",
    "Poland": "#cc79a7",
    "Bulgaria": "#3d8bd9",
    "Albania": "#c8c8c8",
    "China": "#9d7fd1",
}
UNKNOWN_COLOUR = "#80848e"
MEDAL_COLOURS = ("#e8b923", "#b8c0cc", "#c98a4b")
"""Gold, silver, bronze."""


def origin_colour(origin: str) -> str:
    return ORIGIN_COLOURS.get(origin, UNKNOWN_COLOUR)


@cache
def _font_file(bold: bool) -> Path | None:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for folder in FONT_DIRS:
        if (folder / name).is_file():
            return folder / name
    log.warning(
        "DejaVu Sans not found in %s; pictures use Pillow's built-in font "
        "(install Debian's fonts-dejavu-core for the intended look)",
        ", ".join(str(d) for d in FONT_DIRS),
    )
    return None


@cache
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A font at ``size`` pixels of the finished picture."""
    path = _font_file(bold)
    if path is None:
        return ImageFont.load_default(size * SUPERSAMPLE)
    return ImageFont.truetype(str(path), size * SUPERSAMPLE)


def printable(text: str) -> str:
    """Text without what DejaVu cannot draw (emoji, CJK, private use): a display name like
    "Anna 🌸" becomes "Anna" instead of a row of empty boxes."""
    kept = []
    for char in text:
        if ord(char) > 0x24FF or unicodedata.category(char) in {"Cc", "Cf", "Co", "Cs", "Cn"}:
            continue
        kept.append(char)
    return " ".join("".join(kept).split())


class Canvas:
    """A picture being drawn; coordinates and sizes in pixels of the finished picture."""

    def __init__(
        self, width: int, height: int, background: str = BACKGROUND, *,
        base: Image.Image | None = None,
    ) -> None:  # fmt: skip
        """A blank picture, or one drawn on ``base`` (an image of this size, supersampled)."""
        self.width, self.height = width, height
        self.image = base or Image.new(
            "RGB", (width * SUPERSAMPLE, height * SUPERSAMPLE), background
        )
        self.draw = ImageDraw.Draw(self.image)

    @staticmethod
    def _s(*values: float) -> list[float]:
        return [v * SUPERSAMPLE for v in values]

    def text_width(self, text: str, size: int, bold: bool = False) -> float:
        return self.draw.textlength(text, font=font(size, bold)) / SUPERSAMPLE

    def fit(self, text: str, size: int, width: float, bold: bool = False) -> str:
        """``text`` cut with an ellipsis to fit ``width``."""
        text = printable(text) or "?"
        if self.text_width(text, size, bold) <= width:
            return text
        while text and self.text_width(text + "…", size, bold) > width:
            text = text[:-1]
        return text.rstrip() + "…"

    def text(
        self,
        xy: tuple[float, float],
        text: str,
        size: int,
        fill: str = TEXT,
        *,
        bold: bool = False,
        anchor: str = "la",
    ) -> None:
        x, y = self._s(*xy)
        self.draw.text((x, y), text, fill=fill, font=font(size, bold), anchor=anchor)

    def rect(self, box: tuple[float, float, float, float], fill: str, *, radius: float = 0) -> None:
        x0, y0, x1, y1 = box
        if x1 - x0 <= 0 or y1 - y0 <= 0:
            return
        scaled = self._s(x0, y0, x1, y1)
        if radius:
            self.draw.rounded_rectangle(scaled, radius=radius * SUPERSAMPLE, fill=fill)
        else:
            self.draw.rectangle(scaled, fill=fill)

    def circle(
        self, centre: tuple[float, float], radius: float, fill: str, outline: str | None = None,
        width: float = 0,
    ) -> None:  # fmt: skip
        x, y = centre
        self.draw.ellipse(
            self._s(x - radius, y - radius, x + radius, y + radius),
            fill=fill,
            outline=outline,
            width=round(width * SUPERSAMPLE),
        )

    def line(
        self, points: list[tuple[float, float]], fill: str, width: float = 1, *, dash: float = 0
    ) -> None:
        if not dash:
            self.draw.line([tuple(self._s(*p)) for p in points], fill=fill, width=round(width * 2))
            return
        (x0, y0), (x1, y1) = points
        length = max(abs(x1 - x0), abs(y1 - y0))
        steps = int(length // (2 * dash))
        for i in range(steps + 1):
            a = (2 * i * dash) / length if length else 0
            b = min(1.0, (2 * i + 1) * dash / length) if length else 0
            start = (x0 + (x1 - x0) * a, y0 + (y1 - y0) * a)
            end = (x0 + (x1 - x0) * b, y0 + (y1 - y0) * b)
            self.draw.line([tuple(self._s(*start)), tuple(self._s(*end))], fill=fill, width=2)

    def png(self) -> bytes:
        """The finished picture as PNG bytes (the same bytes for the same drawing)."""
        # A 2×2 box average: as smooth as a Lanczos resize at exactly half the size, in a
        # tenth of the time, and its fewer in-between shades compress better.
        small = self.image.reduce(SUPERSAMPLE)
        out = io.BytesIO()
        small.save(out, format="PNG", compress_level=3)
        return out.getvalue()
