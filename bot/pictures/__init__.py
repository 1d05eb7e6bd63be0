"""The bot's pictures, drawn from plain data (no discord, no database, no asyncio).

``render(picture)`` turns one of the values of :mod:`bot.pictures.model` into PNG bytes;
the same value always gives the same bytes. Pillow is imported by the first ``render``, not
by importing this package: a bot whose members never see a picture never loads it.
"""

from __future__ import annotations

from bot.pictures.model import (
    KindBar,
    Picture,
    Profile,
    Standings,
    StatsChart,
    Timeline,
    content_key,
)

__all__ = [
    "KindBar",
    "Picture",
    "Profile",
    "Standings",
    "StatsChart",
    "Timeline",
    "content_key",
    "render",
]


def render(picture: Picture) -> bytes:
    """PNG bytes of ``picture``, of ``picture.size`` pixels."""
    from bot.pictures.cards import profile, standings
    from bot.pictures.charts import stats_chart, timeline

    match picture:
        case StatsChart():
            return stats_chart(picture)
        case Timeline():
            return timeline(picture)
        case Profile():
            return profile(picture)
        case Standings():
            return standings(picture)
    raise TypeError(f"not a picture: {picture!r}")
