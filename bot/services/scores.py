"""The score keeper: writes quiz results to the database, surviving a database outage.

Writes are idempotent (the ledger is unique per game, question and player), so a write that
failed half-way or is retried after the database returns never counts twice. While the
database is unreachable, results wait in a bounded in-memory backlog and are written in
order when it returns; nothing waits on the database to keep a game going.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.exc import DBAPIError, IntegrityError

log = logging.getLogger(__name__)

Write = Callable[[], Awaitable[object]]
RETRY_DELAYS = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0)


def database_unavailable(error: BaseException) -> bool:
    """Whether ``error`` means "the database cannot be reached now" (worth retrying)."""
    if isinstance(error, IntegrityError):
        return False
    return isinstance(error, DBAPIError | OSError | TimeoutError | ConnectionError)


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

    async def write(self, what: str, write: Write) -> bool:
        """Write now if possible; True if written, False if queued for later (or dropped)."""
        if not self.backlog:
            try:
                await write()
                return True
            except Exception as error:
                if not database_unavailable(error):
                    raise
                log.warning("database unavailable; keeping %s for later (%s)", what, error)
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
                if not database_unavailable(error):
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

    async def close(self, timeout: float = 5.0) -> None:
        """Try to write what is pending, then stop."""
        if self._flusher is not None and not self._flusher.done():
            try:
                await asyncio.wait_for(asyncio.shield(self._flusher), timeout)
            except TimeoutError:
                log.error("closing with %d unwritten quiz results", len(self.backlog))
                self._flusher.cancel()
