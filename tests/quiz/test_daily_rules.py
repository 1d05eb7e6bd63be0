"""The daily question's pure rules: the time option, when a question is due, the streak."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.quiz.daily import (
    BadTime,
    Streak,
    after_close,
    due_at,
    from_history,
    is_due,
    next_due,
    parse_time_of_day,
    shown,
)


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("09:00", 540), ("9:30", 570), ("21", 1260), ("0930", 570), ("00:00", 0), ("23:59 UTC", 1439)],
)
def test_times_of_day(text: str, minutes: int) -> None:
    assert parse_time_of_day(text) == minutes


@pytest.mark.parametrize("text", ["24:00", "9:60", "", "noon", "-1:00", "12:5", "9:00 pm", "1:2:3"])
def test_bad_times(text: str) -> None:
    with pytest.raises(BadTime):
        parse_time_of_day(text)


def test_when_a_question_is_due() -> None:
    morning = datetime(2026, 12, 3, 8, 59, 59, tzinfo=UTC)
    assert not is_due(morning, 540)
    assert is_due(morning + timedelta(seconds=1), 540)  # at the minute itself
    assert next_due(morning, 540, posted_today=False) == due_at(date(2026, 12, 3), 540)
    late = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
    assert next_due(late, 540, posted_today=False) == late  # missed while down: now
    assert next_due(late, 540, posted_today=True) == due_at(date(2026, 12, 4), 540)


answers = st.lists(st.sampled_from([None, True, False]), min_size=1, max_size=40)
gaps = st.lists(st.integers(min_value=1, max_value=3), min_size=40, max_size=40)


@given(answers, gaps)
def test_the_kept_streak_equals_a_recomputation(days: list[bool | None], steps: list[int]) -> None:
    """Closing questions one by one (days with gaps: a day with no question breaks
    nothing) gives the streak recomputed from the whole history, after every close."""
    day = date(2026, 1, 1)
    closed: list[date] = []
    history: dict[date, bool] = {}
    kept: Streak | None = None
    for answer, step in zip(days, steps, strict=False):
        day += timedelta(days=step)
        before = closed[-1] if closed else None
        if answer is not None:
            kept = after_close(kept, day=day, before=before, correct=answer)
            history[day] = answer
        closed.append(day)
        current, best = from_history(closed, history)
        assert shown(kept, latest_closed=day) == current
        assert (kept.best if kept else 0) == best


def test_a_missed_day_resets_and_a_wrong_answer_too() -> None:
    d = [date(2026, 12, n) for n in range(1, 6)]
    s = after_close(None, day=d[0], before=None, correct=True)
    s = after_close(s, day=d[1], before=d[0], correct=True)
    assert shown(s, latest_closed=d[1]) == 2
    assert shown(s, latest_closed=d[2]) == 0  # d[2] closed without an answer from them
    s = after_close(s, day=d[3], before=d[2], correct=True)
    assert (s.current, s.best) == (1, 2)
    s = after_close(s, day=d[4], before=d[3], correct=False)
    assert (shown(s, latest_closed=d[4]), s.best) == (0, 2)
