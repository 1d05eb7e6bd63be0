"""What every quiz repository shares: the session factory type, the table handles, and the
helpers for time and for SQL that differs between SQLite and PostgreSQL.

**Time.** Every timestamp going in must be timezone-aware (:func:`aware`); it is stored in UTC
(``DateTime(timezone=True)``) and comes back as an aware UTC ``datetime`` on both engines
(SQLite drops the offset; :func:`utc` puts it back).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from sqlalchemy import Result, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session
from sqlmodel import SQLModel

from bot.db.models import (
    PrivacyHidden,
    QuizAnswer,
    QuizGame,
    QuizGuildSettings,
    QuizPlayerCount,
    QuizPlayerTotal,
    QuizRecentTotal,
    QuizRecentWindow,
    QuizScoreDay,
)

Sessions = async_sessionmaker[AsyncSession]


def _table(model: type[SQLModel]) -> Table:
    """The table of a model class: a renamed or removed model fails here, and under mypy,
    rather than as a missing key at the first query."""
    return SQLModel.metadata.tables[str(model.__tablename__)]


GAMES = _table(QuizGame)
ANSWERS = _table(QuizAnswer)
DAYS = _table(QuizScoreDay)
TOTALS = _table(QuizPlayerTotal)
COUNTS = _table(QuizPlayerCount)
RECENT = _table(QuizRecentTotal)
WINDOWS = _table(QuizRecentWindow)
SETTINGS = _table(QuizGuildSettings)
HIDDEN = _table(PrivacyHidden)

T = TypeVar("T")
R = TypeVar("R", bound=Mapping[str, object])
AGGREGATE_SUMS = ("points", "correct", "answers")
"""The sums every aggregate table keeps per key."""
CHUNK = 500
"""Rows per multi-row INSERT (well under SQLite's bound-parameter limit)."""


def aware(value: datetime, name: str) -> datetime:
    """An input timestamp in UTC; naive ones are refused rather than guessed at."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, not {value!r}")
    return value.astimezone(UTC)


def utc(value: datetime) -> datetime:
    """A stored timestamp as an aware UTC datetime (SQLite hands back naive UTC values)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def utc_or_none(value: datetime | None) -> datetime | None:
    return None if value is None else utc(value)


def dialect_name(session: AsyncSession | Session) -> str:
    return session.get_bind().dialect.name


def upsert_insert(session: AsyncSession, table: Table) -> Any:
    """An INSERT that supports ON CONFLICT on the session's engine (SQLite or PostgreSQL)."""
    if dialect_name(session) == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


_STATEMENTS: dict[tuple[str, str], Any] = {}


def prepared(session: AsyncSession | Session, name: str, build: Callable[[Any], Any]) -> Any:
    """The statement ``build(insert)`` makes for the session's engine (``insert``: the
    engine's INSERT ... ON CONFLICT), built once per engine kind and reused. Building one is
    not free (``insert.excluded`` makes a table alias with a proxy per column, and a new
    statement needs a new cache key), and the ledger writes run several per closed question.
    Statements take their values as parameters, so one object serves every call."""
    dialect = dialect_name(session)
    statement = _STATEMENTS.get((dialect, name))
    if statement is None:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = _STATEMENTS[(dialect, name)] = build(insert)
    return statement


def chunks(rows: Sequence[T], size: int = CHUNK) -> Iterable[Sequence[T]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def rows_as(result: Result[Any], shape: type[R]) -> list[R]:
    """The rows of ``result`` as ``shape``, a TypedDict naming the columns selected (a test
    checks that each such TypedDict names its table's columns, with nothing missing)."""
    return cast(list[R], list(result.mappings().all()))


def first_as(result: Result[Any], shape: type[R]) -> R | None:
    """The first row of ``result`` as ``shape`` (see :func:`rows_as`), or None."""
    return cast(R | None, result.mappings().first())
