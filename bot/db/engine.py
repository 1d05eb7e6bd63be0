"""The async engine and session factory: one engine per process, one session per unit of work."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

SUPPORTED_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")
T = TypeVar("T")


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


class BlockingWriter:
    """A synchronous engine on the same SQLite file, used from one worker thread.

    The answer ledger is the bot's busiest write (a transaction per closed question, five
    statements). Through the async engine every statement is several hand-offs between the
    event loop and aiosqlite's thread; here the whole transaction is one call in the worker
    thread, which about halves its CPU and keeps it off the event loop. SQLite serialises
    writers itself (WAL, busy timeout), so this engine and the async one share the file
    safely. PostgreSQL has no such engine: asyncpg talks to the server from the loop.
    """

    def __init__(self, url: str) -> None:
        self.engine = sqlalchemy.create_engine(url)
        event.listen(self.engine, "connect", _sqlite_pragmas)
        self.sessions: Callable[[], sqlalchemy.Connection] = self.engine.connect
        """Its connections (Core, no ORM session: the ledger's statements are Core ones)."""
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="ledger")

    async def run(self, function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """``function(self.sessions, *args, **kwargs)`` in the worker thread."""
        call = functools.partial(function, self.sessions, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._thread, call)

    async def close(self) -> None:
        # The connections belong to the worker thread (sqlite3 checks), so it closes them.
        await asyncio.get_running_loop().run_in_executor(self._thread, self.engine.dispose)
        self._thread.shutdown(wait=True)


def blocking_writer_for(url: str) -> BlockingWriter | None:
    """A :class:`BlockingWriter` for a SQLite file ``url`` (async driver name), else None."""
    parsed = make_url(url)
    if parsed.drivername != "sqlite+aiosqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return BlockingWriter(str(parsed.set(drivername="sqlite")))
