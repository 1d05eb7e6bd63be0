"""The limits on a quiz's settings: the one place they are written.

``GameSettings`` checks a game against them, the guild settings store checks a server's
defaults against them, and the slash commands build their option ranges from them (so
Discord refuses a value before the bot sees it, with the same bounds).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


def is_int(value: object) -> bool:
    """An int that is not a bool (``True`` is an int to Python, not a number of rounds)."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: object) -> bool:
    """A finite int or float that is not a bool."""
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


@dataclass(frozen=True, slots=True)
class Bounds:
    low: int
    high: int

    def __contains__(self, value: object) -> bool:
        return is_number(value) and self.low <= value <= self.high  # type: ignore[operator]

    def __str__(self) -> str:
        return f"{self.low}–{self.high}"


ROUNDS = Bounds(1, 50)
"""Questions in one game."""
SECONDS = Bounds(5, 120)
"""Seconds a question stays open."""


def rounds_problem(value: object) -> str | None:
    """Why ``value`` is not a number of rounds; None if it is one."""
    if is_int(value) and value in ROUNDS:
        return None
    return f"A game has {ROUNDS.low} to {ROUNDS.high} rounds, not {value!r}."


def seconds_problem(value: object, *, whole: bool = False) -> str | None:
    """Why ``value`` is not how long a question stays open (``whole``: in whole seconds, as a
    server's default is stored); None if it is."""
    if (is_int(value) if whole else is_number(value)) and value in SECONDS:
        return None
    return f"A question stays open {SECONDS.low} to {SECONDS.high} seconds, not {value!r}."
