"""The chronology round's pure rules: reading an order a player typed, and scoring it.

An order is a string of distinct letters, one per person, earliest first: "BDAC" says B
defected first, then D, A and C. Scoring is by pairs (Kendall's tau): of the six pairs of
four people, count those the player put the right way round. The exact order earns full
points; any other order earns that share of them, rounded down, so it always earns less.
"""

from __future__ import annotations

import math
import re
from itertools import combinations

from bot.quiz.model import Verdict

LETTERS = "ABCD"
MAX_ORDER_CHARS = 40
"""Longer text is chat, not an order."""
_SEPARATORS = re.compile(r"[\s,;.\-–—>→/|]+")
_OPTIONAL_BRACKETS = re.compile(r"[()\[\]]")


def letters(count: int) -> str:
    return LETTERS[:count]


def parse_order(text: str, count: int = 4) -> str | None:
    """The order ``text`` gives ("BDAC", "b d a c", "B, D, A, C", "B → D → A → C"), as
    upper-case letters; None unless it names each of the first ``count`` letters exactly
    once and nothing else."""
    if len(text) > MAX_ORDER_CHARS:
        return None
    compact = _SEPARATORS.sub("", _OPTIONAL_BRACKETS.sub("", text.strip())).upper()
    wanted = letters(count)
    if len(compact) != count or sorted(compact) != sorted(wanted):
        return None
    return compact


def pairs(count: int = 4) -> int:
    """How many pairs ``count`` people make (6 for four)."""
    return count * (count - 1) // 2


def pairs_right(given: str, answer: str) -> int:
    """How many pairs of people ``given`` puts in the same order as ``answer`` (the
    concordant pairs of Kendall's tau). Both are orders of the same letters."""
    if sorted(given) != sorted(answer) or len(set(answer)) != len(answer):
        raise ValueError(f"{given!r} is not an order of {answer!r}")
    place = {letter: i for i, letter in enumerate(given)}
    return sum(1 for first, later in combinations(answer, 2) if place[first] < place[later])


def kendall_tau(given: str, answer: str) -> float:
    """Kendall's tau between the two orders: 1 the same, −1 reversed."""
    total = pairs(len(answer))
    right = pairs_right(given, answer)
    return (right - (total - right)) / total


def order_points(full: int, given: str, answer: str) -> int:
    """What ``given`` earns when the exact order earns ``full``: full points only for the
    exact order, else the share of pairs right, rounded down (never the full points)."""
    right, total = pairs_right(given, answer), pairs(len(answer))
    if right == total:
        return full
    return min(full - 1, math.floor(full * right / total)) if full > 0 else 0


def order_verdict(given: str, answer: str) -> Verdict:
    """CORRECT for the exact order, CLOSE when some pair is right, WRONG when none is."""
    right = pairs_right(given, answer)
    if right == pairs(len(answer)):
        return Verdict.CORRECT
    return Verdict.CLOSE if right > 0 else Verdict.WRONG
