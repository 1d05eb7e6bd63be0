"""The daily question's pure rules: when a server's question is due, and the streak rule.

No discord, no database, no asyncio: times are parameters.

**Streaks.** A server's daily questions close one after another (each when the next is posted).
A member's streak is the number of closed questions in a row, up to the latest closed one,
that they answered right. A wrong answer ends it; so does a question they did not answer. A
UTC day with no question at all (the bot was down the whole day) is no question, so it breaks
nobody's streak. The open question counts only once it closes, so a streak never gives away
whether today's answer was right.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

MINUTES_PER_DAY = 24 * 60
_TIME = re.compile(r"^\s*(?P<hour>\d{1,2})(?::|h|\.)?(?P<minute>\d{2})?\s*(?:utc)?\s*$", re.I)


class BadTime(ValueError):
    """A time of day that is not HH:MM on a 24-hour clock."""


def parse_time_of_day(text: str) -> int:
    """``"09:00"``, ``"9:30"``, ``"21"`` or ``"0930"`` → minutes after 00:00 UTC."""
    match = _TIME.match(text or "")
    if match is None:
        raise BadTime(text)
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    if len(match["hour"]) == 4 and match["minute"] is None:  # "0930"
        hour, minute = divmod(int(match["hour"]), 100)
    if not (0 <= hour < 24 and 0 <= minute < 60):
        raise BadTime(text)
    return hour * 60 + minute


def format_time_of_day(minute_of_day: int) -> str:
    return f"{minute_of_day // 60:02d}:{minute_of_day % 60:02d}"


def due_at(day: date, minute_of_day: int) -> datetime:
    """The UTC moment a server's question of ``day`` is due."""
    return datetime.combine(day, time(0, 0), tzinfo=UTC) + timedelta(minutes=minute_of_day)


def is_due(now: datetime, minute_of_day: int) -> bool:
    """Whether today's (``now``'s UTC day) question is due by ``now``."""
    return now >= due_at(now.astimezone(UTC).date(), minute_of_day)


def next_due(now: datetime, minute_of_day: int, *, posted_today: bool) -> datetime:
    """When the next question is due: today's time if not yet posted (it may have passed:
    then it is due now), otherwise tomorrow's."""
    today = now.astimezone(UTC).date()
    if posted_today:
        return due_at(today + timedelta(days=1), minute_of_day)
    return max(now, due_at(today, minute_of_day))


@dataclass(frozen=True, slots=True)
class Streak:
    current: int
    """Closed questions in a row answered right, ending with ``last_day``."""
    best: int
    last_day: date
    """The day of the last closed question this member answered."""


def after_close(
    previous: Streak | None, *, day: date, before: date | None, correct: bool
) -> Streak:
    """A member's streak once the question of ``day`` closes with their answer.

    ``before`` is the day of the server's closed question just before this one (None: this is
    the first). The streak goes on only if the member's last answered day was ``before`` and
    they were right then (``current`` > 0)."""
    if not correct:
        return Streak(0, previous.best if previous else 0, day)
    goes_on = previous is not None and before is not None and previous.last_day == before
    current = previous.current + 1 if goes_on and previous is not None else 1
    best = max(current, previous.best if previous else 0)
    return Streak(current, best, day)


def shown(streak: Streak | None, *, latest_closed: date | None) -> int:
    """The current streak as of the server's latest closed question (0 once one is missed)."""
    if streak is None or latest_closed is None or streak.last_day != latest_closed:
        return 0
    return streak.current


def from_history(closed_days: Sequence[date], answers: dict[date, bool]) -> tuple[int, int]:
    """``(current, best)`` recomputed from scratch: ``closed_days`` are the server's closed
    questions in order, ``answers`` the member's (day → right or not)."""
    current = best = 0
    for day in closed_days:
        current = current + 1 if answers.get(day) else 0
        best = max(best, current)
    return current, best
