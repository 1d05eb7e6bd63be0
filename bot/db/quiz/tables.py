"""What every quiz repository shares: the table handles, prepared statements and row
shapes, and (re-exported from :mod:`bot.db.common`, their one home, so that a quiz repository
imports from one place) the session factory type and the helpers for time and for SQL that
differs between SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar, cast

from sqlalchemy import Connection, Result
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from bot.db.common import Sessions as Sessions
from bot.db.common import aware as aware
from bot.db.common import chunks as common_chunks
from bot.db.common import dialect_insert, table
from bot.db.common import dialect_name as dialect_name
from bot.db.common import upsert_insert as upsert_insert
from bot.db.common import utc as utc
from bot.db.common import utc_or_none as utc_or_none
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

GAMES = table(QuizGame)
ANSWERS = table(QuizAnswer)
DAYS = table(QuizScoreDay)
TOTALS = table(QuizPlayerTotal)
COUNTS = table(QuizPlayerCount)
RECENT = table(QuizRecentTotal)
WINDOWS = table(QuizRecentWindow)
SETTINGS = table(QuizGuildSettings)
HIDDEN = table(PrivacyHidden)

T = TypeVar("T")
R = TypeVar("R", bound=Mapping[str, object])
AGGREGATE_SUMS = ("points", "correct", "answers")
"""The sums every aggregate table keeps per key."""
CHUNK = 500
"""Rows per multi-row INSERT (well under SQLite's bound-parameter limit)."""


_STATEMENTS: dict[tuple[str, str], Any] = {}


def prepared(
    session: AsyncSession | Session | Connection, name: str, build: Callable[[Any], Any]
) -> Any:
    """The statement ``build(insert)`` makes for the session's engine (``insert``: the
    engine's INSERT ... ON CONFLICT), built once per engine kind and reused. Building one is
    not free (``insert.excluded`` makes a table alias with a proxy per column, and a new
    statement needs a new cache key), and the ledger writes run several per closed question.
    Statements take their values as parameters, so one object serves every call."""
    dialect = dialect_name(session)
    statement = _STATEMENTS.get((dialect, name))
    if statement is None:
        statement = _STATEMENTS[(dialect, name)] = build(dialect_insert(dialect))
    return statement


def chunks(rows: Sequence[T], size: int = CHUNK) -> Iterable[Sequence[T]]:
    return common_chunks(rows, size)


def rows_as(result: Result[Any], shape: type[R]) -> list[R]:
    """The rows of ``result`` as ``shape``, a TypedDict naming the columns selected (a test
    checks that each such TypedDict names its table's columns, with nothing missing)."""
    return cast(list[R], list(result.mappings().all()))


def first_as(result: Result[Any], shape: type[R]) -> R | None:
    """The first row of ``result`` as ``shape`` (see :func:`rows_as`), or None."""
    return cast(R | None, result.mappings().first())
