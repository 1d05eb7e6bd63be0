"""The daily question: one question a day per server, posted at the server's time (UTC).

No discord here: a ``DailyPresenter`` (``cogs/daily.py``) sends the message; this module
decides when, claims the day in the database first (``bot.db.daily.claim_day``: exactly one
post per server and day, across restarts and processes) and paces the posts.

**Pacing.** Discord allows a bot 50 REST requests a second in all. 10,000 servers asking for
09:00 would be 10,000 requests at once; the scheduler sends at most ``posts_per_second``
(default 25: half the global limit, the rest left to quizzes and commands), each send
at least ``1 / posts_per_second`` after the one before, in the order the servers were due;
the claims before them run ``in_flight`` at a time. Each post is one request (the
recap of yesterday is in the same message), so 10,000 servers take about 400 s.

Only the servers of this process's shards are posted (``shard_ids``), as only this process
receives their clicks.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.aio import cancel_and_wait
from bot.catalog.models import Defector
from bot.db import daily as store
from bot.errors import InvalidInput, NotFound, UserFacingError
from bot.quiz.daily import BadTime, due_at, format_time_of_day, next_due, parse_time_of_day
from bot.quiz.model import ONE_ANSWER_KINDS, QuestionKind
from bot.quiz.questions import NoQuestion, QuestionGenerator
from bot.services.clock import Clock
from bot.services.quiz import KIND_GROUPS, parse_kinds

log = logging.getLogger(__name__)

IDLE_RECHECK = 600.0
"""Seconds between looks at the schedule when nothing is due sooner (another process may
have changed a server's settings; a change made here wakes the scheduler at once)."""


class DailyPresenter(Protocol):
    async def post(
        self, channel_id: int, claim: store.Claim, question: dict[str, Any], closes_at: datetime
    ) -> int:
        """Send the question (with the recap of the previous one); the message id."""
        ...


@dataclass(frozen=True, slots=True)
class Answered:
    stored: bool
    """False: the member had already answered (their first answer stands)."""
    label: str


@dataclass
class DailyService:
    sessions: async_sessionmaker[AsyncSession]
    records: Sequence[Defector]
    clock: Clock
    rng: random.Random = field(default_factory=random.Random)
    posts_per_second: float = 25.0
    in_flight: int = 8
    shard_count: int = 1
    shard_ids: Collection[int] | None = None
    presenter: DailyPresenter | None = None
    token: str = field(default_factory=lambda: uuid.uuid4().hex)
    """This process's name on its claims."""
    before_posting: Callable[[], Awaitable[None]] | None = None
    """Awaited once per pass with posts due (the reports service reads the withheld
    questions there, so a question withheld through another process is not posted)."""

    def __post_init__(self) -> None:
        self.generator = QuestionGenerator(self.records, self.rng)
        self.wake = asyncio.Event()
        self.task: asyncio.Task[None] | None = None
        self.posted = 0
        """Questions posted by this process (the bench reads it)."""
        self.finished = 0
        """Days claimed and done with, posted or refused by their channel."""
        self.passes = 0
        """Scheduler passes made (tests wait on it with :meth:`wait_passes`)."""
        self._pass_done = asyncio.Event()
        self._next_slot = 0.0

    # -- settings ----------------------------------------------------------------------------

    async def configure(
        self,
        *,
        guild_id: int,
        channel_id: int,
        time: str,
        kinds: str | None,
        keep_kinds: Sequence[str] = (),
    ) -> store.DailyConfig:
        """Set the server's daily question; ``kinds`` as a member types them (None: every
        kind, or ``keep_kinds`` if given: the kinds already set)."""
        try:
            minute = parse_time_of_day(time)
        except BadTime:
            raise InvalidInput(
                "Give the time as HH:MM on a 24-hour clock, in UTC: for example `09:00` or `21:30`."
            ) from None
        if kinds is None and keep_kinds:
            chosen = sorted(QuestionKind(k).value for k in keep_kinds)
        else:
            parsed = parse_kinds(kinds)
            if QuestionKind.ORDER in parsed:
                raise InvalidInput(
                    "The daily question takes one click; chronology rounds (order) are "
                    "played with `/quiz start kinds: order`."
                )
            chosen = sorted(k.value for k in parsed)
        config = await store.set_config(
            self.sessions,
            guild_id=guild_id,
            channel_id=channel_id,
            minute_of_day=minute,
            kinds=chosen,
            enabled=True,
            now=self.clock.wall(),
        )
        self.wake.set()
        return config

    async def turn_off(self, guild_id: int) -> bool:
        config = await store.disable(self.sessions, guild_id=guild_id, now=self.clock.wall())
        self.wake.set()
        return config is not None

    async def config(self, guild_id: int) -> store.DailyConfig | None:
        return await store.get_config(self.sessions, guild_id=guild_id)

    async def next_post_at(self, config: store.DailyConfig) -> datetime:
        """When the server's next question is due (now, if today's is due and not posted)."""
        now = self.clock.wall()
        posted = await store.has_post(self.sessions, guild_id=config.guild_id, day=now.date())
        return next_due(now, config.minute_of_day, posted_today=posted)

    # -- the scheduler -----------------------------------------------------------------------

    def start(self) -> None:
        if self.task is None:
            self.task = asyncio.create_task(self._run(), name="daily-scheduler")

    async def stop(self) -> None:
        if self.task is not None:
            await cancel_and_wait(self.task)
            self.task = None

    async def _run(self) -> None:
        while True:
            self.wake.clear()  # before the pass: a change made during it wakes the next one
            started = self.clock.now()
            try:
                delay = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("daily scheduler pass failed; trying again in a minute")
                delay = 60.0
            self.passes += 1
            self._pass_done.set()
            await self.clock.sleep_until(started + delay, self.wake)

    async def wait_passes(self, count: int, timeout: float = 5.0) -> None:
        """Wait until the scheduler has made ``count`` passes (tests: a sync point)."""
        async with asyncio.timeout(timeout):
            while self.passes < count:
                self._pass_done.clear()
                await self._pass_done.wait()

    async def run_once(self) -> float:
        """Post every question due now; seconds from the start of the pass until the next
        one is due."""
        now = self.clock.wall()
        plan = await store.schedule(
            self.sessions, now=now, shard_count=self.shard_count, shard_ids=self.shard_ids
        )
        if plan.due:
            if self.before_posting is not None:
                await self.before_posting()
            await self.post_all(plan.due)
        waits = [
            (
                next_due(now, c.minute_of_day, posted_today=c.guild_id in plan.posted_today) - now
            ).total_seconds()
            for c in plan.later
        ]
        # Servers posted now come back tomorrow, after the first wait or the idle look.
        return min((w for w in waits if w > 0), default=IDLE_RECHECK)

    async def post_all(self, due: Sequence[store.DailyConfig]) -> None:
        gate = asyncio.Semaphore(self.in_flight)

        async def one(config: store.DailyConfig) -> None:
            try:
                await self.post(config)
            except Exception:
                log.exception("daily question for guild %s failed", config.guild_id)
            finally:
                gate.release()

        # A TaskGroup, not gather: stopped (shutdown) while posting, it cancels each post
        # once and waits for it, so no post outlives the scheduler holding a database
        # session. Cancelling a post a second time (gather's own cancel, then ours) broke
        # into SQLAlchemy's graceful close of the interrupted connection: it force-closed
        # aiosqlite's worker thread under the close still in flight, which then waited
        # forever on the dead thread (a test's teardown hung one run in eight).
        async with asyncio.TaskGroup() as posts:
            for config in due:
                await gate.acquire()
                posts.create_task(one(config))

    async def _pace(self) -> None:
        now = self.clock.now()
        slot = max(now, self._next_slot)
        self._next_slot = slot + 1.0 / self.posts_per_second
        if slot > now:
            await self.clock.sleep_until(slot)

    async def post(self, config: store.DailyConfig) -> bool:
        """Claim today for ``config``'s server and post its question; False if the day was
        already claimed (by this or another process)."""
        one_answer = sorted(ONE_ANSWER_KINDS)
        kinds = [k for k in map(QuestionKind, config.kinds) if k in ONE_ANSWER_KINDS] or one_answer
        try:
            question = self.generator.generate(kinds)
        except NoQuestion:
            question = self.generator.generate(one_answer)
        payload = question.to_dict() | {"labels": list(question.choice_labels)}
        payload["answer_index"] = question.choices.index(question.answer)
        payload["subject_slug"] = question.subject_slug
        claim = await store.claim_day(
            self.sessions,
            guild_id=config.guild_id,
            channel_id=config.channel_id,
            question=payload,
            token=self.token,
            now=self.clock.wall(),
        )
        if claim is None:
            return False
        message_id: int | None = None
        await self._pace()  # the send itself is what Discord counts
        try:
            if self.presenter is not None:
                closes = due_at(claim.day + timedelta(days=1), config.minute_of_day)
                message_id = await self.presenter.post(config.channel_id, claim, payload, closes)
        except Exception as error:
            log.warning(
                "daily question for guild %s not posted in channel %s: %s",
                config.guild_id,
                config.channel_id,
                error,
            )
        await store.mark_posted(
            self.sessions, post_id=claim.post_id, message_id=message_id, now=self.clock.wall()
        )
        self.finished += 1
        if message_id is not None:
            self.posted += 1
        return True

    # -- answers -----------------------------------------------------------------------------

    async def answer(
        self, *, post_id: int, guild_id: int | None, user_id: int, choice: int
    ) -> Answered:
        post = await store.get_post(self.sessions, post_id=post_id)
        if post is None or guild_id is None or post.guild_id != guild_id:
            raise NotFound("This daily question no longer exists.")
        if post.closed:
            raise UserFacingError(
                "This daily question has closed; its answer is at the top of the next one."
            )
        labels = [str(label) for label in post.question.get("labels", [])]
        if not 0 <= choice < len(labels):
            raise UserFacingError("That is not one of the choices.")
        now = self.clock.wall()
        since = post.posted_at or now
        response_ms = int((now - since) / timedelta(milliseconds=1))
        stored = await store.record_answer(
            self.sessions,
            post_id=post_id,
            guild_id=guild_id,
            user_id=user_id,
            choice=choice,
            correct=choice == int(post.question["answer_index"]),
            response_ms=response_ms,
            now=now,
        )
        if stored:
            return Answered(True, labels[choice])
        first = await store.answer_of(self.sessions, post_id=post_id, user_id=user_id)
        if first is None:  # closed between the two reads
            raise UserFacingError(
                "This daily question has closed; its answer is at the top of the next one."
            )
        return Answered(False, labels[first])

    async def streak(self, *, guild_id: int, user_id: int) -> tuple[int, int]:
        return await store.streak(self.sessions, guild_id=guild_id, user_id=user_id)

    async def board(self, *, guild_id: int, page: int, viewer: int) -> store.StreakBoard:
        return await store.streak_board(self.sessions, guild_id=guild_id, page=page, viewer=viewer)


def describe(config: store.DailyConfig) -> str:
    kinds = set(config.kinds)
    groups = [name for name, members in KIND_GROUPS.items() if {k.value for k in members} <= kinds]
    what = "every kind" if len(kinds) == len(ONE_ANSWER_KINDS) else ", ".join(groups)
    return f"<#{config.channel_id}> at {format_time_of_day(config.minute_of_day)} UTC ({what})"


Claim = store.Claim
Recap = store.Recap
StreakBoard = store.StreakBoard
DailyConfig = store.DailyConfig
