"""The score keeper: writes quiz results to the database, surviving a database outage.

Writes are idempotent (the ledger is unique per game, question and player), so a write that
failed half-way or is retried after the database returns never counts twice. While the
database is unreachable, results wait in a bounded in-memory backlog and are written in
order when it returns; nothing waits on the database to keep a game going.

The group writer batches the writes asked for at the same time (questions closing together in
many channels) into one transaction: most of a ledger write's cost is per transaction, not
per row.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    IntegrityError,
    NotSupportedError,
    ProgrammingError,
)

log = logging.getLogger(__name__)

Write = Callable[[], Awaitable[object]]
RETRY_DELAYS = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0)
T = TypeVar("T")


PASSING_OS_ERRORS = frozenset(
    {
        errno.ECONNREFUSED,
        errno.ECONNRESET,
        errno.ECONNABORTED,
        errno.EHOSTUNREACH,
        errno.ENETUNREACH,
        errno.ENETDOWN,
        errno.ETIMEDOUT,
        errno.EPIPE,
        errno.EAGAIN,
        errno.EINTR,
        errno.ENOSPC,
        errno.EIO,
    }
)
"""OS errors that pass: the network, a full disk an operator frees, an I/O hiccup. A path
that does not exist, is a folder or is not allowed stays so until an operator acts."""

DAMAGED_MARKERS = ("malformed", "not a database", "corrupt")


def database_damaged(error: BaseException) -> bool:
    """Whether ``error`` says the database file is damaged (SQLite's "database disk image is
    malformed", "file is not a database"): permanent until it is restored, not an outage."""
    if isinstance(error, DBAPIError) and error.orig is not None:
        error = error.orig
    text = str(error).lower()
    return type(error).__name__ == "DatabaseError" and any(m in text for m in DAMAGED_MARKERS)


def database_unavailable(error: BaseException) -> bool:
    """Whether ``error`` means "the database cannot be reached now" (worth retrying later).

    A statement the database rejects for what it is (bad data, a constraint, a programming
    error) would fail again on every retry and hold up every later result behind it: no, it
    is raised. A damaged database file is not a passing outage either. Any other database
    error: yes. Drivers report passing trouble in many ways (asyncpg's "the database system
    is starting up" arrives as a bare DBAPIError), and treating one of those as permanent
    would lose points. An OSError passes only if it is one of :data:`PASSING_OS_ERRORS`
    (or a DNS failure, a timeout, a broken connection)."""
    if isinstance(error, IntegrityError | DataError | ProgrammingError | NotSupportedError):
        return False
    if database_damaged(error):
        return False
    if isinstance(error, TimeoutError | ConnectionError | socket.gaierror):
        return True
    if isinstance(error, OSError):
        return error.errno in PASSING_OS_ERRORS
    return isinstance(error, DBAPIError)


@dataclass
class ScoreKeeper:
    max_backlog: int = 10_000
    retry_delays: Sequence[float] = RETRY_DELAYS
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    backlog: deque[tuple[str, Write]] = field(default_factory=deque)
    dropped: int = 0
    """Writes refused because the backlog was full (logged; should stay 0)."""
    _flusher: asyncio.Task[None] | None = None
    _drained: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def healthy(self) -> bool:
        return not self.backlog

    async def write(self, what: str, write: Write, *, keep: Write | None = None) -> bool:
        """Write now if possible; True if written, False if queued for later (or dropped).
        ``keep`` runs (and is waited for) before a write is queued: e.g. to journal it."""
        if not self.backlog:
            try:
                await write()
                return True
            except Exception as error:
                if database_damaged(error):
                    # Nothing can be written until an operator restores the file; the
                    # result waits (and is journaled) rather than being lost.
                    log.error(
                        "database damaged (restore it from a backup); keeping %s (%s)", what, error
                    )
                elif not database_unavailable(error):
                    raise
                else:
                    log.warning("database unavailable; keeping %s for later (%s)", what, error)
        if keep is not None:
            await keep()
        if len(self.backlog) >= self.max_backlog:
            self.dropped += 1
            log.error("score backlog full (%d): dropping %s", self.max_backlog, what)
            return False
        self.backlog.append((what, write))
        self._drained.clear()
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush(), name="score-keeper")
        return False

    async def _flush(self) -> None:
        attempt = 0
        while self.backlog:
            what, write = self.backlog[0]
            try:
                await write()
            except Exception as error:
                if not (database_unavailable(error) or database_damaged(error)):
                    log.exception("could not write %s; dropping it", what)
                    self.backlog.popleft()
                    continue
                delay = self.retry_delays[min(attempt, len(self.retry_delays) - 1)]
                attempt += 1
                await self.sleep(delay)
                continue
            self.backlog.popleft()
            attempt = 0
            log.info("wrote %s after the database returned", what)
        self._drained.set()

    async def drained(self) -> None:
        """Wait until the backlog is empty (tests, and a clean shutdown)."""
        if self.backlog:
            await self._drained.wait()

    async def close(self, timeout: float = 5.0) -> list[str]:
        """Try to write what is pending, then stop; what could not be written."""
        if self._flusher is not None and not self._flusher.done():
            try:
                await asyncio.wait_for(asyncio.shield(self._flusher), timeout)
            except TimeoutError:
                self._flusher.cancel()
        return [what for what, _ in self.backlog]


@dataclass
class GroupWriter(Generic[T]):
    """Group commit: the items of every :meth:`write` asked for while a write is in flight go
    together into the next one (one ``write_many`` call, one transaction), so a burst of
    closing questions costs a few transactions instead of one each. Alone, a write starts at
    once. Each caller waits until its own items are written and sees its own failure: a
    batch that failed because the database is unavailable fails every caller with that
    error (each can keep its write for later), any other failure has each caller's items
    written again on their own. A caller cancelled while it waits does not cancel the write.
    """

    write_many: Callable[[list[T]], Awaitable[object]]
    _pending: list[tuple[Sequence[T], asyncio.Future[None]]] = field(default_factory=list)
    _task: asyncio.Task[None] | None = None

    async def write(self, items: Sequence[T]) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((items, future))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="group-writer")
        await future

    async def _run(self) -> None:
        batch: list[tuple[Sequence[T], asyncio.Future[None]]] = []
        try:
            while self._pending:
                batch, self._pending = self._pending, []
                await self._write(batch)
                batch = []
        finally:
            for _, future in batch:  # cancelled mid-batch (the loop is closing)
                future.cancel()

    async def _write(self, batch: list[tuple[Sequence[T], asyncio.Future[None]]]) -> None:
        try:
            await self.write_many([item for items, _ in batch for item in items])
        except Exception as error:
            if len(batch) == 1 or database_unavailable(error) or database_damaged(error):
                for _, future in batch:
                    _settle(future, error)
                return
            for items, future in batch:  # one bad write must not sink the others
                try:
                    await self.write_many(list(items))
                except Exception as alone:
                    _settle(future, alone)
                else:
                    _settle(future, None)
            return
        for _, future in batch:
            _settle(future, None)

    async def close(self) -> None:
        """Wait for the writes in flight and those asked for meanwhile."""
        while self._task is not None and not self._task.done():
            await asyncio.wait({self._task})


def _settle(future: asyncio.Future[None], error: BaseException | None) -> None:
    if future.done():  # its caller was cancelled
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(error)
