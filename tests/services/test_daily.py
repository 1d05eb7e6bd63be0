"""The daily scheduler on its own: paced posts, each server once, with a ManualClock."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime
from typing import Any

from bot.catalog.models import Defector
from bot.db import daily as store
from bot.db.engine import create_engine, session_factory
from bot.db.migrate import upgrade
from bot.services.clock import ManualClock
from bot.services.daily import DailyService

START = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


class Channel:
    """A presenter that records when each server's question went out."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.sent: list[tuple[int, float]] = []

    async def post(
        self, channel_id: int, claim: store.Claim, question: dict[str, Any], closes_at: datetime
    ) -> int:
        self.sent.append((channel_id, self.clock.now()))
        return channel_id + 1


async def test_posts_are_paced_and_made_once(
    database_url: str, records: tuple[Defector, ...]
) -> None:
    engine = create_engine(database_url)
    await upgrade(engine)
    sessions = session_factory(engine)
    clock = ManualClock(START)
    servers = 120
    for guild in range(1, servers + 1):
        await store.set_config(
            sessions, guild_id=guild, channel_id=1000 + guild, minute_of_day=9 * 60,
            kinds=["year"], enabled=True, now=START,
        )  # fmt: skip
    channels = [Channel(clock), Channel(clock)]
    services = [
        DailyService(sessions=sessions, records=records, clock=clock, posts_per_second=40,
                     presenter=channel, in_flight=4)
        for channel in channels
    ]  # fmt: skip
    for service in services:  # two processes running every shard (a misconfiguration)
        service.start()
    try:
        for service in services:
            await service.wait_passes(1)
        sent = lambda: [c for channel in channels for c, _ in channel.sent]  # noqa: E731
        assert sent() == []  # not before 09:00
        await clock.advance(3600)
        # Each pass paces itself on the clock: whenever something waits on it, move it a step.
        async with asyncio.timeout(30):
            while sum(s.posted for s in services) < servers:
                await clock.sleepers(1)
                await clock.advance(1 / 80)
        # Every server once, by one process or the other (the claim decides), none twice.
        assert sorted(sent()) == [1000 + g for g in range(1, servers + 1)]
        assert sum(s.posted for s in services) == servers
        for channel in channels:  # per process, never faster than 40 a second
            times = [t for _, t in channel.sent]
            assert all(b - a >= 1 / 40 - 1e-9 for a, b in itertools.pairwise(times))
    finally:  # the posts end before the engine does, even when an assertion failed
        for service in services:
            await service.stop()
        await engine.dispose()


async def test_a_dead_claim_is_taken_over_and_a_day_closes_once(
    database_url: str, records: tuple[Defector, ...]
) -> None:
    """A process that claimed a day and died before posting does not cost the server its
    question: the claim is taken over once stale; and a day's answers move streaks once."""
    engine = create_engine(database_url)
    await upgrade(engine)
    sessions = session_factory(engine)
    nine = START.replace(hour=9)
    question = {"labels": ["a", "b", "c", "d"], "answer_index": 2, "prompt": "?"}
    first = await store.claim_day(
        sessions, guild_id=7, channel_id=8, question=question, token="dead", now=nine
    )
    assert first is not None and first.recap is None
    later = nine + store.STALE_CLAIM / 2
    assert await store.claim_day(
        sessions, guild_id=7, channel_id=8, question=question, token="alive", now=later
    ) is None  # fmt: skip
    await store.set_config(
        sessions, guild_id=7, channel_id=8, minute_of_day=9 * 60, kinds=["year"], enabled=True,
        now=START,
    )  # fmt: skip
    assert (await store.schedule(sessions, now=later)).due == []  # it may still be posting
    stale = nine + store.STALE_CLAIM
    assert [c.guild_id for c in (await store.schedule(sessions, now=stale)).due] == [7]
    taken = await store.claim_day(
        sessions, guild_id=7, channel_id=8, question=question, token="alive", now=stale
    )
    assert taken is not None and taken.post_id == first.post_id
    await store.mark_posted(sessions, post_id=taken.post_id, message_id=99, now=stale)
    for user, choice in ((1, 2), (2, 0)):
        assert await store.record_answer(
            sessions, post_id=taken.post_id, guild_id=7, user_id=user, choice=choice,
            correct=choice == 2, response_ms=1000 * user, now=stale,
        )  # fmt: skip
    tomorrow = nine.replace(day=nine.day + 1)
    closing = await store.claim_day(
        sessions, guild_id=7, channel_id=8, question=question, token="alive", now=tomorrow
    )
    assert closing is not None and closing.recap is not None
    assert (closing.recap.answers, closing.recap.correct, closing.recap.fastest_user) == (2, 1, 1)
    # The closed question takes no more answers; a second claim of the day changes nothing.
    assert not await store.record_answer(
        sessions, post_id=taken.post_id, guild_id=7, user_id=3, choice=2, correct=True,
        response_ms=5, now=tomorrow,
    )  # fmt: skip
    assert await store.claim_day(
        sessions, guild_id=7, channel_id=8, question=question, token="other", now=tomorrow
    ) is None  # fmt: skip
    assert await store.streak(sessions, guild_id=7, user_id=1) == (1, 1)
    assert await store.streak(sessions, guild_id=7, user_id=2) == (0, 0)
    await engine.dispose()
