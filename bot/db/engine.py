"""The async engine and session factory: one engine per process, one session per unit of work."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

SUPPORTED_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")


class DatabaseUrlError(ValueError):
    """DATABASE_URL is not an async URL this bot can use."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers go on while a question's results are written; a busy timeout
    # turns brief write contention into a wait instead of "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """Build the engine for ``url`` (``sqlite+aiosqlite://`` or ``postgresql+asyncpg://``)."""
    try:
        parsed = make_url(url)
    except Exception as exc:  # sqlalchemy raises ArgumentError with a long message
        raise DatabaseUrlError(f"DATABASE_URL is not a valid URL: {url!r}") from exc
    if parsed.drivername not in SUPPORTED_DRIVERS:
        raise DatabaseUrlError(
            f"DATABASE_URL driver {parsed.drivername!r} is not supported; "
            f"use one of {', '.join(SUPPORTED_DRIVERS)}"
        )
    if parsed.drivername.startswith("sqlite"):
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, echo=echo)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, echo=echo, pool_pre_ping=True)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
