"""Pictures for the bot's replies: rendered off the event loop, cached by content, optional.

Every picture goes beside a text that carries the same facts, so a picture that cannot be
drawn (an error, a full queue, a timeout) is simply left out: :meth:`PictureService.render`
returns None, and the first failure of each kind of picture is logged with its traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import functools
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from bot.pictures import KindBar, Picture, Profile, content_key
from bot.pictures import render as draw
from bot.quiz.model import QuestionKind
from bot.records import PlayerRank, PlayerStats

log = logging.getLogger(__name__)

Renderer = Callable[[Picture], bytes]


@functools.cache
def _malloc_trim() -> Callable[[], object] | None:
    """glibc's ``malloc_trim(0)``, or None where the C library has none (musl, macOS).

    Looked up on first use, from the symbols already loaded into the process
    (``ctypes.util.find_library`` would start a subprocess, at every start-up)."""
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    return lambda: trim(0)


@dataclass
class PictureStats:
    rendered: int = 0
    cache_hits: int = 0
    failed: int = 0
    refused: int = 0
    """Requests turned away because the queue was full."""
    render_seconds: list[float] = field(default_factory=list)


class PictureService:
    """Renders pictures on a small thread pool with a bounded queue, and caches the PNGs.

    One worker by default: drawing holds the GIL most of the time, so more threads would
    only take turns, and one thread keeps the bot's CPU use predictable. At most
    ``queue_limit`` renders wait behind it; beyond that a picture is refused (text only)
    rather than queued for longer than Discord's patience.
    """

    def __init__(
        self,
        renderer: Renderer = draw,
        *,
        workers: int = 1,
        queue_limit: int = 16,
        cache_bytes: int = 32 * 1024 * 1024,
        timeout: float = 10.0,
    ) -> None:
        self.renderer = renderer
        self.timeout = timeout
        self.queue_limit = queue_limit
        self.cache_bytes = cache_bytes
        self.stats = PictureStats()
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pictures")
        self._cache: OrderedDict[str, bytes] = OrderedDict()
        self._cached_bytes = 0
        self._inflight: dict[str, asyncio.Future[bytes | None]] = {}
        self._waiting = 0
        self._logged: set[str] = set()
        self.settled = 0
        """Renders finished so far: drawn, failed or refused (cache hits not counted)."""
        self._settle_waiters: list[tuple[int, asyncio.Future[None]]] = []

    def cached(self, picture: Picture) -> bytes | None:
        """The PNG if it was drawn before (no thread hop)."""
        key = content_key(picture)
        png = self._cache.get(key)
        if png is not None:
            self._cache.move_to_end(key)
            self.stats.cache_hits += 1
        return png

    async def render(self, picture: Picture) -> bytes | None:
        """The PNG of ``picture``, or None when it could not be drawn in time."""
        key = content_key(picture)
        png: bytes | None = self._cache.get(key)
        if png is not None:
            self._cache.move_to_end(key)
            self.stats.cache_hits += 1
            return png
        pending = self._inflight.get(key)
        if pending is not None:  # the same picture is being drawn for someone else
            return await asyncio.shield(pending)
        if self._waiting >= self.queue_limit:
            self.stats.refused += 1
            self._settle()
            self._log_once("busy", "picture queue full (%d waiting); replying with text only",
                           self._waiting)  # fmt: skip
            return None
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bytes | None] = loop.create_future()
        self._inflight[key] = future
        self._waiting += 1
        png = None
        try:
            png = await asyncio.wait_for(
                loop.run_in_executor(self._executor, self._timed, picture), self.timeout
            )
        except Exception as error:
            self.stats.failed += 1
            name = type(picture).__name__
            if name not in self._logged:
                self._logged.add(name)
                log.error("could not draw the %s picture; replying with text only", name,
                          exc_info=error)  # fmt: skip
            else:
                log.debug("could not draw the %s picture again: %r", name, error)
        finally:  # cancelled too: whoever waits for the same picture gets None, not a hang
            self._waiting -= 1
            del self._inflight[key]
            if png is not None:
                self._store(key, png)
            future.set_result(png)
            self._settle()
            if not self._waiting and (trim := _malloc_trim()) is not None:
                self._release_memory(loop, trim)
        return png

    def _release_memory(self, loop: asyncio.AbstractEventLoop, trim: Callable[[], object]) -> None:
        """Hands the worker's freed drawing buffers back to the system once a batch is done.

        A picture is drawn at twice its size (a 1600×900 standings canvas is 5.8 MB), in the
        worker thread's own malloc arena; glibc keeps what was freed there for reuse, so a
        burst of renders (100 games stopped at once) left 8–13 MiB more resident for good.
        ``malloc_trim`` runs in the worker (ctypes drops the GIL; a few ms), after the queue
        has drained rather than after every picture.
        """
        with contextlib.suppress(RuntimeError):  # closed: nothing more will be drawn
            loop.run_in_executor(self._executor, trim)

    async def wait_settled(self, count: int) -> None:
        """Until ``count`` renders have finished (for tests and benchmarks: a condition to
        wait on instead of sleeping)."""
        if self.settled >= count:
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._settle_waiters.append((count, waiter))
        await waiter

    def _settle(self) -> None:
        self.settled += 1
        waiting = []
        for count, waiter in self._settle_waiters:
            if waiter.done():
                continue
            if self.settled >= count:
                waiter.set_result(None)
            else:
                waiting.append((count, waiter))
        self._settle_waiters = waiting

    def _timed(self, picture: Picture) -> bytes:
        started = time.perf_counter()
        png = self.renderer(picture)
        self.stats.render_seconds.append(time.perf_counter() - started)
        del self.stats.render_seconds[:-1000]
        self.stats.rendered += 1
        return png

    def _store(self, key: str, png: bytes) -> None:
        if len(png) > self.cache_bytes:
            return
        self._cache[key] = png
        self._cached_bytes += len(png)
        while self._cached_bytes > self.cache_bytes:
            _, old = self._cache.popitem(last=False)
            self._cached_bytes -= len(old)

    def _log_once(self, what: str, message: str, *args: object) -> None:
        if what in self._logged:
            log.debug(message, *args)
            return
        self._logged.add(what)
        log.warning(message, *args)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


def profile(
    stats: PlayerStats,
    *,
    name: str,
    scope: str,
    rank: PlayerRank | None,
    players: int | None,
    labels: Mapping[QuestionKind, str],
) -> Profile:
    """The profile card's data from a player's figures and their rank."""
    return Profile(
        name=name,
        scope=scope,
        games=stats.games_played,
        wins=stats.wins,
        points=stats.points,
        correct=stats.correct,
        answers=stats.answers,
        best_streak=stats.best_streak,
        current_streak=stats.current_streak,
        rank=rank.rank if rank is not None else None,
        players=players,
        kinds=tuple(KindBar(labels[k.kind], k.correct, k.answers) for k in stats.kinds),
    )
