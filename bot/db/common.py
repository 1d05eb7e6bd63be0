"""What every repository module shares: the session factory type, a model's table, and the
helpers for time and for SQL that differs between SQLite and PostgreSQL.

**Time.** Every timestamp going in must be timezone-aware (:func:`aware`); it is stored in UTC
(``DateTime(timezone=True)``) and comes back as an aware UTC ``datetime`` on both engines
(SQLite drops the offset; :func:`utc` puts it back).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session
from sqlmodel import SQLModel

Sessions = async_sessionmaker[AsyncSession]
T = TypeVar("T")


def table(model: type[SQLModel]) -> Table:
    """The table of a model class: a renamed or removed model fails here, and under mypy,
    rather than as a missing key at the first query."""
    return SQLModel.metadata.tables[str(model.__tablename__)]


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


def dialect_name(session: AsyncSession | Session | Connection) -> str:
    if isinstance(session, Connection):
        return session.dialect.name
    return session.get_bind().dialect.name


def dialect_insert(dialect: str) -> Any:
    """The INSERT construct with ON CONFLICT of ``dialect`` (SQLite or PostgreSQL)."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def upsert_insert(session: AsyncSession, table: Table) -> Any:
    """An INSERT that supports ON CONFLICT on the session's engine (SQLite or PostgreSQL)."""
    return dialect_insert(dialect_name(session))(table)


def chunks(rows: Sequence[T], size: int) -> Iterable[Sequence[T]]:
    """``rows`` in runs of at most ``size``: one bounded statement per run."""
    for start in range(0, len(rows), size):
        yield rows[start : start + size]
