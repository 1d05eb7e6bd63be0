"""Time for the services: a real clock, and a manual one tests move by hand.

Game rules take ``now`` as a number; the services need to *wait* as well, so the clock
owns waiting too: ``sleep_until`` returns at the moment or as soon as ``wake`` is set.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Monotonic seconds."""
        ...

    def wall(self) -> datetime:
        """The current UTC time (for timestamps shown to members and stored)."""
        ...

    async def sleep_until(self, when: float, wake: asyncio.Event | None = None) -> None: ...


class RealClock:
    def now(self) -> float:
        return asyncio.get_running_loop().time()

    def wall(self) -> datetime:
        return datetime.now(UTC)

    async def sleep_until(self, when: float, wake: asyncio.Event | None = None) -> None:
        delay = max(0.0, when - self.now())
        if wake is None:
            await asyncio.sleep(delay)
            return
        # Not asyncio.wait_for: on Python 3.11 it loses a cancellation that arrives as
        # ``wake`` is set (gh-86296), and a game driver cancelled at shutdown played on.
        woken = asyncio.ensure_future(wake.wait())
        try:
            await asyncio.wait({woken}, timeout=delay)
        finally:
            woken.cancel()


class ManualClock:
    """A clock that moves only when told: ``await clock.advance(5)`` lets 5 s pass."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = 0.0
        self._start = start or datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
        self._waiters: list[tuple[float, asyncio.Future[None]]] = []
        self._registered = asyncio.Event()

    def now(self) -> float:
        return self._now

    def wall(self) -> datetime:
        return self._start + timedelta(seconds=self._now)

    async def advance(self, seconds: float) -> None:
        self._now += seconds
        due = [(when, future) for when, future in self._waiters if when <= self._now]
        self._waiters = [(w, f) for w, f in self._waiters if w > self._now]
        for _, future in due:
            if not future.done():
                future.set_result(None)
        # Let every waiter whose moment came run before the caller goes on.
        for _ in range(10):
            await asyncio.sleep(0)

    async def sleepers(self, count: int = 1, timeout: float = 5.0) -> None:
        """Wait until ``count`` tasks are asleep on this clock, so that moving it reaches them
        (a test's sync point: no real-time sleeps)."""
        async with asyncio.timeout(timeout):
            while len(self._waiters) < count:
                self._registered.clear()
                await self._registered.wait()

    async def sleep_until(self, when: float, wake: asyncio.Event | None = None) -> None:
        if self._now >= when:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append((when, future))
        self._registered.set()
        if wake is None:
            await future
            return
        woken: asyncio.Future[Any] = asyncio.ensure_future(wake.wait())
        waiters: list[asyncio.Future[Any]] = [future, woken]
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            woken.cancel()
            if not future.done():
                future.cancel()
            self._waiters = [(w, f) for w, f in self._waiters if f is not future]
