"""SQLModel tables.

Conventions for every table here:
* Discord ids (guild, channel, user, message, interaction) are snowflakes up to 2**64-1:
  store them in ``BigInteger`` columns (``discord_id_column()``), never ``Integer``, which
  is 32-bit on PostgreSQL.
* Timestamps are timezone-aware (``DateTime(timezone=True)``), UTC.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    Text,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel


def discord_id_column(*, nullable: bool = False, index: bool = False) -> Any:
    """A column for a Discord snowflake (64-bit)."""
    return Field(sa_column=Column(BigInteger, nullable=nullable, index=index))


class DefectorBase(SQLModel):
    """The catalogue record as stored; mirrors ``bot.catalog.models.Defector``."""

    slug: str = Field(max_length=200, unique=True, index=True)
    name: str = Field(max_length=200)
    year: int = Field(index=True)
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    profession: str | None = Field(default=None, max_length=200)
    birthplace: str | None = Field(default=None, max_length=200)
    birth_country: str | None = Field(default=None, max_length=100)
    origin_country: str | None = Field(default=None, max_length=100, index=True)
    destination_country: str | None = Field(default=None, max_length=100)
    defected_in: str | None = Field(default=None, max_length=200)
    method: str = Field(max_length=40, index=True)
    method_evidence: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    notes: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    status: str = Field(max_length=20)
    source_line: int = 0


class DefectorRow(DefectorBase, table=True):
    __tablename__ = "defectors"

    id: int | None = Field(default=None, primary_key=True)


class CommandPublication(SQLModel, table=True):
    """The schema last published to Discord per scope, so a start only publishes changes."""

    __tablename__ = "command_publications"

    scope: str = Field(primary_key=True, max_length=100)
    """``global:<application id>`` or ``guild:<application id>:<guild id>``."""
    schema_hash: str = Field(max_length=64)
    published_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


# --- quizzes --------------------------------------------------------------------------------------
#
# The answer ledger (``quiz_answers``) is the truth; the ``quiz_score_days``,
# ``quiz_player_totals`` / ``quiz_player_counts`` and ``quiz_recent_totals`` tables are
# aggregates of it, written in the same transaction as the ledger rows they count
# (``bot.db.quiz.ledger`` explains the upkeep), so they never disagree with it. Boards read the
# aggregates; player statistics read the ledger through its (user_id, answered_at) index.

ALL_KINDS = "*"
"""The ``kind`` of an aggregate row that sums every question kind (read when no kind filter)."""


def _row_id_type() -> Any:
    # A 64-bit id on PostgreSQL (BIGSERIAL); on SQLite only ``INTEGER PRIMARY KEY`` is the
    # auto-assigned rowid, which is 64-bit there anyway.
    return BigInteger().with_variant(Integer(), "sqlite")


def _running_only() -> dict[str, Any]:
    return {"sqlite_where": text("ended_at IS NULL"), "postgresql_where": text("ended_at IS NULL")}


class QuizGame(SQLModel, table=True):
    """One quiz game in one channel; ``ended_at`` and ``end_reason`` stay null while it runs."""

    __tablename__ = "quiz_games"
    __table_args__ = (
        # At most one running game per channel, and a small index for the start-up scan of
        # running games and for ``running_game_in_channel``.
        Index("ux_quiz_games_running_channel", "channel_id", unique=True, **_running_only()),
        Index("ix_quiz_games_winner_id", "winner_id", "guild_id"),
    )

    id: int | None = Field(
        default=None, sa_column=Column(_row_id_type(), primary_key=True, autoincrement=True)
    )
    guild_id: int = discord_id_column()
    channel_id: int = discord_id_column()
    starter_id: int = discord_id_column()
    mode: str = Field(max_length=20)
    kinds: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    rounds: int
    started_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    ended_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    end_reason: str | None = Field(default=None, max_length=20)
    winner_id: int | None = discord_id_column(nullable=True)


class QuizAnswer(SQLModel, table=True):
    """The answer ledger: one row per player per question, written once (see the constraint)."""

    __tablename__ = "quiz_answers"
    __table_args__ = (
        UniqueConstraint(
            "game_id", "question_number", "user_id", name="uq_quiz_answers_question_user"
        ),
        # Player statistics: a player's answers in answer order.
        Index("ix_quiz_answers_user_answered", "user_id", "answered_at"),
        # Forgetting a server's (or one member's) answers: /quizconfig reset scores.
        Index("ix_quiz_answers_guild_user", "guild_id", "user_id"),
    )

    id: int | None = Field(
        default=None, sa_column=Column(_row_id_type(), primary_key=True, autoincrement=True)
    )
    game_id: int = Field(sa_column=Column(BigInteger, ForeignKey("quiz_games.id"), nullable=False))
    question_number: int
    guild_id: int = discord_id_column()
    channel_id: int = discord_id_column()
    user_id: int = discord_id_column()
    kind: str = Field(max_length=30)
    record_slug: str = Field(max_length=200)
    correct: bool
    points: int
    response_ms: int
    answered_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


_SUMS = ("points", "correct", "answers")


class QuizScoreDay(SQLModel, table=True):
    """Per UTC day, guild, player and kind (plus an ``ALL_KINDS`` row): sums of the ledger.

    A guild's board reads a range of the primary key, a global board a range of
    ``ix_quiz_score_days_kind_day``; both find every summed column in the index they read
    (SQLite: the table is clustered on its key; PostgreSQL: the key INCLUDEs the sums)."""

    __tablename__ = "quiz_score_days"
    __table_args__ = (
        PrimaryKeyConstraint("guild_id", "kind", "day", "user_id", postgresql_include=_SUMS),
        Index("ix_quiz_score_days_kind_day", "kind", "day", "user_id", *_SUMS),
        {"sqlite_with_rowid": False},
    )

    guild_id: int = Field(sa_column=Column(BigInteger, nullable=False, autoincrement=False))
    kind: str = Field(max_length=30)
    day: date
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False, autoincrement=False))
    points: int = 0
    correct: int = 0
    answers: int = 0


class QuizPlayerTotal(SQLModel, table=True):
    """All-time global sums per player and kind (plus an ``ALL_KINDS`` row), in ranking order."""

    __tablename__ = "quiz_player_totals"
    __table_args__ = (
        Index("ix_quiz_player_totals_ranking", "kind", "points", "correct", "user_id"),
        {"sqlite_with_rowid": False},
    )

    kind: str = Field(primary_key=True, max_length=30)
    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    points: int = 0
    correct: int = 0
    answers: int = 0


class QuizPlayerCount(SQLModel, table=True):
    """How many rows ``quiz_player_totals`` has per kind: the all-time global board's player
    count without counting 100,000 index entries per look."""

    __tablename__ = "quiz_player_counts"
    __table_args__ = ({"sqlite_with_rowid": False},)

    kind: str = Field(primary_key=True, max_length=30)
    players: int = 0


class QuizRecentTotal(SQLModel, table=True):
    """Global sums per player and kind (plus ``ALL_KINDS``) over the current window of a period
    (``week``, ``month``): the global week and month boards in ranking order. Kept in step by
    the ledger writes and rebuilt from ``quiz_score_days`` when a read finds a new UTC day."""

    __tablename__ = "quiz_recent_totals"
    __table_args__ = (
        Index("ix_quiz_recent_totals_ranking", "period", "kind", "points", "correct", "user_id"),
        {"sqlite_with_rowid": False},
    )

    period: str = Field(primary_key=True, max_length=10)
    kind: str = Field(primary_key=True, max_length=30)
    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    points: int = 0
    correct: int = 0
    answers: int = 0


class QuizRecentWindow(SQLModel, table=True):
    """The UTC days ``quiz_recent_totals`` currently sums for a period (inclusive)."""

    __tablename__ = "quiz_recent_windows"
    __table_args__ = ({"sqlite_with_rowid": False},)

    period: str = Field(primary_key=True, max_length=10)
    first_day: date
    last_day: date


class QuizGuildSettings(SQLModel, table=True):
    """A guild's quiz settings; no row means the defaults (``GuildQuizSettings``)."""

    __tablename__ = "quiz_guild_settings"

    guild_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    default_rounds: int
    seconds_per_question: int
    mode: str = Field(max_length=20)
    allowed_channel_ids: list[int] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    denied_channel_ids: list[int] = Field(
        default_factory=list,
        sa_column=Column(JSON, nullable=False, server_default=text("'[]'")),
    )
    reveal_answers: bool
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


# --- the daily question and privacy ---------------------------------------------------------------
#
# ``daily_posts`` has one row per server and UTC day (unique): inserting it is how a process
# claims the day, so exactly one post is made however many processes try. ``daily_streaks`` is
# derived from ``daily_answers`` and ``daily_posts`` when a day closes (``bot.db.daily``).


class DailyConfig(SQLModel, table=True):
    """A server's daily question: where, when (minutes after 00:00 UTC) and which kinds."""

    __tablename__ = "daily_configs"

    guild_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    channel_id: int = discord_id_column()
    minute_of_day: int
    kinds: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    enabled: bool
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class DailyPost(SQLModel, table=True):
    """One server's question of one UTC day; the row is the claim on that day."""

    __tablename__ = "daily_posts"
    __table_args__ = (UniqueConstraint("guild_id", "day", name="uq_daily_posts_guild_day"),)

    id: int | None = Field(
        default=None, sa_column=Column(_row_id_type(), primary_key=True, autoincrement=True)
    )
    guild_id: int = discord_id_column()
    day: date
    channel_id: int = discord_id_column()
    question: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    claimed_by: str = Field(max_length=40)
    claimed_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    posted_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    message_id: int | None = discord_id_column(nullable=True)
    closed_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


class DailyAnswer(SQLModel, table=True):
    """A member's one answer to one daily question."""

    __tablename__ = "daily_answers"
    __table_args__ = (
        PrimaryKeyConstraint("post_id", "user_id"),
        Index("ix_daily_answers_user", "user_id"),
    )

    post_id: int = Field(sa_column=Column(BigInteger, ForeignKey("daily_posts.id"), nullable=False))
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False, autoincrement=False))
    guild_id: int = discord_id_column()
    choice: int
    correct: bool
    response_ms: int
    answered_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class DailyStreak(SQLModel, table=True):
    """A member's daily streak in a server, as of the last closed day: ``current`` counts
    the closed days up to ``last_day`` answered right in a row."""

    __tablename__ = "daily_streaks"
    __table_args__ = (
        PrimaryKeyConstraint("guild_id", "user_id"),
        Index("ix_daily_streaks_ranking", "guild_id", "last_day", "current", "user_id"),
        Index("ix_daily_streaks_user", "user_id"),
    )

    guild_id: int = Field(sa_column=Column(BigInteger, nullable=False, autoincrement=False))
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False, autoincrement=False))
    current: int = 0
    best: int = 0
    last_day: date


class PrivacyHidden(SQLModel, table=True):
    """Members who asked to be left off every leaderboard (``/privacy hide``)."""

    __tablename__ = "privacy_hidden"

    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    hidden_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


# --- reports of bad questions ---------------------------------------------------------------------


class AskedQuestion(SQLModel, table=True):
    """Every question a result was shown for, by fingerprint (``bot.quiz.report``): what a
    Report button on that result points at, after a restart too."""

    __tablename__ = "asked_questions"

    fingerprint: str = Field(primary_key=True, max_length=16)
    fact: str = Field(max_length=16, index=True)
    kind: str = Field(max_length=30)
    subject: str = Field(max_length=400)
    answer: str = Field(max_length=400)
    choices: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    prompt: str = Field(sa_column=Column(Text, nullable=False))
    first_asked_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class QuestionReport(SQLModel, table=True):
    """A member's report of a question in a server: one per question, server and member."""

    __tablename__ = "question_reports"
    __table_args__ = (
        UniqueConstraint(
            "fingerprint", "guild_id", "reporter_id", name="uq_question_reports_member"
        ),
        Index("ix_question_reports_guild", "guild_id", "reported_at"),
        Index("ix_question_reports_reporter", "reporter_id"),
    )

    id: int | None = Field(
        default=None, sa_column=Column(_row_id_type(), primary_key=True, autoincrement=True)
    )
    fingerprint: str = Field(max_length=16, index=True)
    guild_id: int = discord_id_column()
    reporter_id: int = discord_id_column()
    reason: str = Field(max_length=20)
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    reported_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    resolved_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    resolution: str | None = Field(default=None, max_length=10)


class QuestionDecision(SQLModel, table=True):
    """An operator's decision on a reported question (``defector-bot reports resolve``)."""

    __tablename__ = "question_decisions"

    fingerprint: str = Field(primary_key=True, max_length=16)
    fact: str = Field(max_length=16, index=True)
    decision: str = Field(max_length=10)
    decided_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
