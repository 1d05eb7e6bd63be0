"""The quiz's pictures: a member's profile card and a finished quiz's standings."""

from __future__ import annotations

import zlib

from bot.pictures.model import Profile, Standings
from bot.pictures.style import (
    ACCENT,
    BACKGROUND,
    GRID,
    MEDAL_COLOURS,
    MUTED,
    PANEL,
    TEXT,
    Canvas,
    printable,
)

AVATAR_COLOURS = ("#5865f2", "#3ba55c", "#faa61a", "#ed4245", "#eb459e", "#00a8a8")


def _initials(name: str) -> str:
    words = [w for w in printable(name).split() if w[:1].isalnum()]
    if not words:
        return "?"
    if len(words) == 1:
        return words[0][:2].upper()
    return (words[0][0] + words[-1][0]).upper()


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def profile(data: Profile) -> bytes:
    width, height = data.size
    canvas = Canvas(width, height)
    # Header: an initials badge (no avatar download), the name, the scope and the rank.
    colour = AVATAR_COLOURS[zlib.crc32(data.name.encode()) % len(AVATAR_COLOURS)]
    canvas.circle((62, 62), 36, colour)
    canvas.text((62, 62), _initials(data.name), 26, TEXT, bold=True, anchor="mm")
    canvas.text((114, 30), canvas.fit(data.name, 30, 450, bold=True), 30, TEXT, bold=True)
    canvas.text((114, 72), f"Quiz stats · {data.scope}", 17, MUTED)
    if data.rank is not None:
        canvas.text((width - 28, 26), f"#{data.rank:,}", 40, ACCENT, bold=True, anchor="ra")
        of = f"of {_plural(data.players or data.rank, 'player')}"
        canvas.text((width - 28, 76), of, 16, MUTED, anchor="ra")
    else:
        canvas.text((width - 28, 40), "not ranked yet", 17, MUTED, anchor="ra")

    # Left: six tiles.
    accuracy = f"{data.correct / data.answers:.0%}" if data.answers else "—"
    tiles = (
        (f"{data.games:,}", "games"),
        (f"{data.wins:,}", "wins" if data.wins != 1 else "win"),
        (accuracy, f"{data.correct:,}/{data.answers:,} right"),
        (f"{data.points:,}", "points"),
        (f"{data.best_streak:,}", "best streak"),
        (f"{data.current_streak:,}", "current streak"),
    )
    tile_w, tile_h, gap = 116.0, 78.0, 10.0
    for i, (value, label) in enumerate(tiles):
        col, row = i % 3, i // 3
        x = 24 + col * (tile_w + gap)
        y = 128 + row * (tile_h + gap)
        canvas.rect((x, y, x + tile_w, y + tile_h), PANEL, radius=10)
        canvas.text((x + tile_w / 2, y + 30), value, 28, TEXT, bold=True, anchor="mm")
        canvas.text((x + tile_w / 2, y + 60), canvas.fit(label, 15, tile_w - 6), 15, MUTED,
                    anchor="mm")  # fmt: skip

    # Right: accuracy per question kind.
    x0 = 432
    canvas.text((x0, 124), "Right answers by kind", 18, TEXT, bold=True)
    if not data.kinds:
        canvas.text((x0, 168), "No answers yet: /quiz start", 16, MUTED)
    row_h = 36.0
    for i, kind in enumerate(data.kinds[:6]):
        y = 160 + i * row_h
        share = kind.correct / kind.answers if kind.answers else 0.0
        canvas.text((x0, y - 2), canvas.fit(kind.label, 17, 200), 17, TEXT)
        canvas.text((width - 28, y - 2), f"{share:.0%} · {kind.correct}/{kind.answers}", 17, MUTED,
                    anchor="ra")  # fmt: skip
        bar = (x0, y + 20, width - 28, y + 28)
        canvas.rect(bar, GRID, radius=4)
        canvas.rect((x0, y + 20, x0 + (bar[2] - x0) * share, y + 28), ACCENT, radius=4)
    canvas.text((24, height - 16), "Defector Bot · /leaderboard for the rankings", 13, MUTED,
                anchor="ld")  # fmt: skip
    return canvas.png()


def standings(data: Standings) -> bytes:
    width, height = data.size
    canvas = Canvas(width, height)
    canvas.text((24, 18), "Quiz over", 30, TEXT, bold=True)
    canvas.text((24, 60), f"{_plural(data.questions, 'question')} · {data.ending}", 17, MUTED)
    players = data.players[:10]
    if not players:
        canvas.text((width / 2, height / 2), "Nobody scored.", 24, MUTED, anchor="mm")
        return canvas.png()

    # The podium: 2nd, 1st, 3rd from left to right.
    base, step_w = 428.0, 140.0
    heights = {0: 170.0, 1: 128.0, 2: 100.0}
    # Beside the list of 4th and later, or alone in the middle when three played or fewer.
    left = 30.0 if len(players) > 3 else (width - 3 * step_w - 16) / 2
    slots = {1: left, 0: left + step_w + 8, 2: left + 2 * (step_w + 8)}
    for place in (1, 0, 2):
        if place >= len(players):
            continue
        name, points = players[place]
        x, h = slots[place], heights[place]
        top = base - h
        canvas.rect((x, top, x + step_w, base), MEDAL_COLOURS[place], radius=8)
        canvas.text((x + step_w / 2, top + 34), str(place + 1), 34, BACKGROUND, bold=True,
                    anchor="mm")  # fmt: skip
        canvas.text((x + step_w / 2, top + 72), _plural(points, "pt"), 17, BACKGROUND, bold=True,
                    anchor="mm")  # fmt: skip
        size = next(
            (s for s in (18, 16, 14) if canvas.text_width(printable(name), s, True) <= step_w + 4),
            14,
        )
        label = canvas.fit(name, size, step_w + 4, bold=True)
        canvas.text((x + step_w / 2, top - 14), label, size, TEXT, bold=True, anchor="md")
        if place == 0:
            canvas.text((x + step_w / 2, top - 42), "★", 26, MEDAL_COLOURS[0], anchor="md")

    # The rest, 4th to 10th.
    x0 = 486
    rest = players[3:]
    if rest:
        canvas.text((x0, 110), "Also played", 17, MUTED, bold=True)
    for i, (name, points) in enumerate(rest, start=4):
        y = 142 + (i - 4) * 38
        canvas.rect((x0, y, width - 24, y + 32), PANEL, radius=6)
        canvas.text((x0 + 12, y + 16), f"{i}.", 17, MUTED, bold=True, anchor="lm")
        canvas.text((x0 + 44, y + 16), canvas.fit(name, 17, 170), 17, TEXT, anchor="lm")
        canvas.text((width - 36, y + 16), _plural(points, "pt"), 17, MUTED, anchor="rm")
    return canvas.png()
