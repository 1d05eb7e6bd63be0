"""What each picture shows, as plain frozen data: no discord, no database.

A picture is a pure function of one of these values, so its content hash
(:func:`content_key`) names the image exactly: equal data, equal bytes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TypeAlias

from bot.catalog.vocab import Method

RENDERER_VERSION = 3
"""Bump when a drawing changes, so cached images of the old look are not reused."""

FIRST_YEAR, LAST_YEAR = 1920, 1991
"""The span the charts show: from the first defections in the list to the Soviet Union's end."""

UNSTATED = Method.UNKNOWN.label
"""The stats chart's label for people whose method the source does not give (drawn last,
in grey): the method's own label, so the chart and the texts say the same."""

MARKERS: tuple[tuple[int, str], ...] = (
    (1952, "1952 inner German border closes"),
    (1961, "1961 Berlin Wall"),
)
"""The turning points the source's introduction names: until 1952 the inner German border
"could be easily crossed"; on 13 August 1961 the barrier that became the Berlin Wall went up."""


@dataclass(frozen=True, slots=True)
class StatsChart:
    """Defections per year stacked by the state left, and a bar per method."""

    subtitle: str
    """What is counted, e.g. "All 165 people" or "Hungary · 1950s: 12 people"."""
    per_year: tuple[tuple[int, str, int], ...]
    """(year, origin state, people), sorted."""
    origins: tuple[tuple[str, int], ...]
    """(origin state, people), most first: the legend and the stacking order."""
    methods: tuple[tuple[str, int], ...]
    """(method label, people), most first."""
    markers: tuple[tuple[int, str], ...] = MARKERS

    filename = "defector-stats.png"
    size = (800, 660)


@dataclass(frozen=True, slots=True)
class Timeline:
    """Every defection as a dot on 1920–1991, one person's highlighted."""

    name: str
    year: int
    route: str
    """e.g. "Soviet Union → France"."""
    years: tuple[int, ...]
    """Every person's year (the highlighted person's included), sorted."""
    markers: tuple[tuple[int, str], ...] = MARKERS

    filename = "defector-timeline.png"
    size = (800, 260)


@dataclass(frozen=True, slots=True)
class KindBar:
    label: str
    correct: int
    answers: int


@dataclass(frozen=True, slots=True)
class Profile:
    """A member's quiz figures."""

    name: str
    scope: str
    """"this server" or "every server"."""
    games: int
    wins: int
    points: int
    correct: int
    answers: int
    best_streak: int
    current_streak: int
    rank: int | None
    """Rank by points on the all-time board of the scope, None without answers."""
    players: int | None
    """Players on that board."""
    kinds: tuple[KindBar, ...]

    filename = "quiz-profile.png"
    size = (800, 400)


@dataclass(frozen=True, slots=True)
class Standings:
    """A finished quiz's final standings: a podium for the top 3, a list for the rest."""

    players: tuple[tuple[str, int], ...]
    """(display name, points), best first, at most 10."""
    questions: int
    ending: str
    """Why it ended, e.g. "All rounds played."."""

    filename = "quiz-standings.png"
    size = (800, 450)


Picture: TypeAlias = StatsChart | Timeline | Profile | Standings


def content_key(picture: Picture) -> str:
    """A hash of everything a picture shows (and of the renderer's version)."""
    text = f"{RENDERER_VERSION}:{picture!r}"
    return hashlib.sha256(text.encode()).hexdigest()
