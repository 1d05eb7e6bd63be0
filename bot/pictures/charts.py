"""The catalogue's pictures: the statistics chart and a person's timeline strip."""

from __future__ import annotations

from collections import Counter, defaultdict
from functools import lru_cache

from PIL import Image

from bot.pictures.model import FIRST_YEAR, LAST_YEAR, UNSTATED, StatsChart, Timeline
from bot.pictures.style import (
    ACCENT,
    GRID,
    MUTED,
    PANEL,
    TEXT,
    UNKNOWN_COLOUR,
    Canvas,
    origin_colour,
)


def _nice_step(peak: int) -> int:
    """A gridline step giving 2–5 lines up to ``peak``."""
    for step in (1, 2, 5, 10, 20, 50, 100):
        if peak / step <= 5:
            return step
    return 200


def _year_x(year: float, left: float, right: float) -> float:
    return left + (year - FIRST_YEAR) / (LAST_YEAR + 1 - FIRST_YEAR) * (right - left)


def _decade_axis(canvas: Canvas, left: float, right: float, y: float, size: int) -> None:
    for decade in range(FIRST_YEAR, LAST_YEAR + 1, 10):
        x = _year_x(decade, left, right)
        canvas.line([(x, y), (x, y + 5)], MUTED, 1)
        canvas.text((x, y + 8), str(decade), size, MUTED, anchor="ma")


def _markers(
    canvas: Canvas, markers: tuple[tuple[int, str], ...], left: float, right: float,
    top: float, bottom: float, size: int,
) -> None:  # fmt: skip
    # Labels alternate sides of their lines: the two markers are only 9 years apart.
    for i, (year, label) in enumerate(markers):
        x = _year_x(year + 0.5, left, right)
        canvas.line([(x, top), (x, bottom)], MUTED, 1, dash=4)
        if i % 2 == 0:
            canvas.text((x - 5, top), label, size, MUTED, anchor="ra")
        else:
            canvas.text((x + 5, top), label, size, MUTED)


def stats_chart(data: StatsChart) -> bytes:
    width, height = data.size
    canvas = Canvas(width, height)
    total = sum(n for _, n in data.origins)
    canvas.text((24, 18), "Defections per year", 28, TEXT, bold=True)
    canvas.text((24, 56), data.subtitle, 18, MUTED)

    # -- the stacked bars, 1920–1991 --------------------------------------------------------
    left, right, top, bottom = 56, 580, 112, 322
    per_year: dict[int, dict[str, int]] = defaultdict(dict)
    for year, origin, n in data.per_year:
        per_year[year][origin] = n
    peak = max((sum(v.values()) for v in per_year.values()), default=0)
    step = _nice_step(max(peak, 1))
    ceiling = max(step, -(-max(peak, 1) // step) * step)
    for value in range(0, ceiling + 1, step):
        y = bottom - value / ceiling * (bottom - top)
        canvas.line([(left, y), (right, y)], GRID, 1)
        canvas.text((left - 8, y), str(value), 17, MUTED, anchor="rm")
    _markers(canvas, data.markers, left, right, top - 28, bottom, 15)
    slot = (right - left) / (LAST_YEAR + 1 - FIRST_YEAR)
    order = [origin for origin, _ in data.origins]
    for year, counts in per_year.items():
        if not FIRST_YEAR <= year <= LAST_YEAR:
            continue
        x0 = _year_x(year, left, right) + 0.8
        y = float(bottom)
        for origin in order:
            n = counts.get(origin, 0)
            if not n:
                continue
            h = n / ceiling * (bottom - top)
            canvas.rect((x0, y - h + 0.6, x0 + slot - 1.6, y), origin_colour(origin))
            y -= h
    canvas.line([(left, bottom), (right, bottom)], MUTED, 1)
    _decade_axis(canvas, left, right, bottom, 17)

    # -- the legend -------------------------------------------------------------------------
    lx, ly = 598, 100
    canvas.text((lx, ly - 4), "Country left", 17, MUTED, bold=True)
    for i, (origin, n) in enumerate(data.origins[:9]):
        y = ly + 24 + i * 24
        canvas.rect((lx, y, lx + 15, y + 15), origin_colour(origin), radius=3)
        canvas.text((lx + 22, y + 8), canvas.fit(origin, 17, 136), 17, TEXT, anchor="lm")
        canvas.text((width - 16, y + 8), str(n), 17, MUTED, anchor="rm")

    # -- how they got out -------------------------------------------------------------------
    top2 = 376
    canvas.text((24, top2), "How they got out", 21, TEXT, bold=True)
    rows = data.methods[:10]
    row_h = 25.0
    label_w, bar_left, bar_right = 318.0, 346.0, 680.0
    most = max((n for _, n in rows), default=1) or 1
    for i, (label, n) in enumerate(rows):
        y = top2 + 34 + i * row_h
        canvas.text((24, y + row_h / 2), canvas.fit(label, 17, label_w), 17, TEXT, anchor="lm")
        canvas.rect((bar_left, y + 4, bar_right, y + row_h - 4), PANEL, radius=3)
        length = (bar_right - bar_left) * n / most
        colour = UNKNOWN_COLOUR if label == UNSTATED else ACCENT
        canvas.rect((bar_left, y + 4, bar_left + length, y + row_h - 4), colour, radius=3)
        share = f"{n}  ({n / total:.0%})" if total else str(n)
        canvas.text((bar_right + 10, y + row_h / 2), share, 17, MUTED, anchor="lm")
    if not rows:
        canvas.text((24, top2 + 44), "No one matches.", 16, MUTED)
    return canvas.png()


TIMELINE_LEFT, TIMELINE_RIGHT, TIMELINE_AXIS = 40, 760, 196


@lru_cache(maxsize=4)
def _timeline_strip(
    years: tuple[int, ...], markers: tuple[tuple[int, str], ...], size: tuple[int, int]
) -> Image.Image:
    """Everything a timeline shows but the person: drawn once, copied for each card (the
    person's dot covers their own grey one)."""
    width, height = size
    canvas = Canvas(width, height)
    left, right, axis = TIMELINE_LEFT, TIMELINE_RIGHT, TIMELINE_AXIS
    _markers(canvas, markers, left, right, 86, axis, 15)
    counts = Counter(years)
    radius, pitch = 3.6, 8.4
    for year in sorted(counts):
        if not FIRST_YEAR <= year <= LAST_YEAR:
            continue
        x = _year_x(year + 0.5, left, right)
        for level in range(counts[year]):
            canvas.circle((x, axis - 8 - level * pitch), radius, "#8e939b")
    canvas.line([(left, axis), (right, axis)], MUTED, 1)
    _decade_axis(canvas, left, right, axis, 16)
    canvas.text((24, height - 10), f"Each dot: one of the {len(years)} people", 15, MUTED,
                anchor="ld")  # fmt: skip
    return canvas.image


def timeline(data: Timeline) -> bytes:
    width, height = data.size
    strip = _timeline_strip(data.years, data.markers, data.size)
    canvas = Canvas(width, height, base=strip.copy())
    canvas.text((24, 18), canvas.fit(data.name, 26, 520, bold=True), 26, TEXT, bold=True)
    canvas.text((24, 56), canvas.fit(f"{data.year} · {data.route}", 17, 750), 17, MUTED)
    if FIRST_YEAR <= data.year <= LAST_YEAR:
        x = _year_x(data.year + 0.5, TIMELINE_LEFT, TIMELINE_RIGHT)
        canvas.circle((x, TIMELINE_AXIS - 8), 7.5, ACCENT, outline=TEXT, width=2)
    same = data.years.count(data.year) - 1
    others = f"{same} other{'s' if same != 1 else ''} that year" if same > 0 else "alone that year"
    canvas.text((TIMELINE_RIGHT, 34), f"● {data.year}: {others}", 17, ACCENT, anchor="rm")
    return canvas.png()
