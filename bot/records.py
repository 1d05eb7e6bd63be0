"""What the quiz repositories hand back, and the errors they raise for members to read: plain
data with no database import.

Here rather than in bot/db, because cogs and bot/ui show these and may not import bot.db; and
not in bot/services, because bot/db builds them and may not import bot.services (the layers
in tests/test_architecture.py). Only the standard library and bot/quiz's types below it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import NamedTuple

from bot.errors import InvalidInput, UserFacingError
from bot.quiz.game import Mode
from bot.quiz.model import QuestionKind


class GameAlreadyRunning(UserFacingError):
    """The channel already has a running game (at most one per channel, across processes)."""

    def __init__(self, message: str = "A quiz is already running in this channel.") -> None:
        super().__init__(message)


class InterruptedGame(NamedTuple):
    """A game :func:`close_interrupted_games` closed, so the bot can tell its channel."""

    id: int
    guild_id: int
    channel_id: int


@dataclass(frozen=True, slots=True)
class AnswerRecord:
    """One ledger row: one player's answer to one question."""

    game_id: int
    question_number: int
    guild_id: int
    channel_id: int
    user_id: int
    kind: QuestionKind
    record_slug: str
    """The slug of the catalogue record the question was about."""
    correct: bool
    points: int
    response_ms: int
    answered_at: datetime


class Period(StrEnum):
    WEEK = "week"
    MONTH = "month"
    ALL = "all"


class LeaderboardEntry(NamedTuple):
    rank: int
    user_id: int
    points: int
    correct: int
    answers: int


class PlayerRank(NamedTuple):
    rank: int
    points: int


@dataclass(frozen=True, slots=True)
class LeaderboardPage:
    entries: tuple[LeaderboardEntry, ...]
    total_players: int
    """Players with at least one answer in the scope, period and kind."""
    page: int
    """1-based; a page before the first is the first, a page past the end the last."""
    pages: int
    """At least 1, even when nobody has played."""
    since: date | None
    """The first UTC day counted, or None for all time."""


HARDEST_KIND_MIN_ANSWERS = 5
"""A kind needs at least this many answers to be called a player's hardest: fewer says more
about luck than about difficulty."""


@dataclass(frozen=True, slots=True)
class KindStats:
    kind: QuestionKind
    answers: int
    correct: int
    points: int

    @property
    def accuracy(self) -> float:
        """Correct answers / answers (0.0 to 1.0)."""
        return self.correct / self.answers if self.answers else 0.0


@dataclass(frozen=True, slots=True)
class PlayerStats:
    user_id: int
    guild_id: int | None
    """The guild the figures are limited to, or None for everywhere."""
    games_played: int
    """Games with at least one answer from the player."""
    wins: int
    """Finished games the player won."""
    answers: int
    correct: int
    points: int
    average_response_ms: float | None
    """Over every answer; None without answers."""
    best_streak: int
    """Most consecutive correct answers, in answer order across games."""
    current_streak: int
    """Consecutive correct answers up to the latest one."""
    kinds: tuple[KindStats, ...]
    """Per question kind the player answered, in :class:`QuestionKind` order."""
    favourite_kind: QuestionKind | None
    """Most answered kind (ties: the first in :class:`QuestionKind` order)."""
    hardest_kind: QuestionKind | None
    """Lowest accuracy among kinds with at least :data:`HARDEST_KIND_MIN_ANSWERS` answers (ties:
    more answers, then :class:`QuestionKind` order); None if no kind has that many."""

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.answers if self.answers else None


class InvalidGuildSettings(InvalidInput, ValueError):
    """A settings change was refused; ``message`` says why, in words a server admin reads."""


@dataclass(frozen=True, slots=True)
class GuildQuizSettings:
    """A guild's quiz settings; ``GuildQuizSettings()`` is what a guild gets until it changes
    something."""

    default_rounds: int = 10
    seconds_per_question: int = 20
    mode: Mode = Mode.BUTTONS
    allowed_channel_ids: tuple[int, ...] = ()
    """Channels where quizzes may run; empty means every channel (but the denied ones)."""
    denied_channel_ids: tuple[int, ...] = ()
    """Channels where quizzes never run, whatever the allowed list says."""
    reveal_answers: bool = True
    """Show the right answer when a question closes."""
    updated_at: datetime | None = None
    """When an admin last changed them; None while they are the defaults."""

    def allows_channel(self, channel_id: int) -> bool:
        """If the allowed list is non-empty, only those channels; denied channels never."""
        if channel_id in self.denied_channel_ids:
            return False
        return not self.allowed_channel_ids or channel_id in self.allowed_channel_ids


class ChannelRuleChange(NamedTuple):
    """The guild's settings before and after :func:`set_channel_rule`."""

    before: GuildQuizSettings
    after: GuildQuizSettings

    @property
    def changed(self) -> bool:
        return (self.before.allowed_channel_ids, self.before.denied_channel_ids) != (
            self.after.allowed_channel_ids,
            self.after.denied_channel_ids,
        )
