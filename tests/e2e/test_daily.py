"""The daily question through the local Discord: the post, answers, the next day's recap,
streaks, a restart in the middle of a day, and two processes on one database.

The services run on a ManualClock from the start: the test moves the days; nothing sleeps.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import discord
import pytest
from discord.gateway import DiscordWebSocket

from bot.client import DefectorBot
from bot.config import Settings
from bot.db import daily as store
from bot.runner import configure_endpoints, login, sandbox_settings, stop_sandbox_bot, token_of
from bot.sandbox import CommandNotPermitted, LocalDiscord
from bot.sandbox.model import InvalidCommandInput, Message
from bot.services.clock import ManualClock
from bot.services.daily import DailyService
from tests.e2e.helpers import (
    ADMIN,
    ALICE,
    BORIS,
    CHANNEL,
    GUILD,
    OTHER_CHANNEL,
    SECOND_CHANNEL,
    World,
    members,
    open_world,
)

START = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
DAY = 24 * 3600.0
NEIGHBOUR = GUILD + (1 << 22)
"""A server on the other shard of two."""
NEIGHBOUR_CHANNEL = NEIGHBOUR + 1


def daily(world: World) -> DailyService:
    assert world.bot is not None and world.bot.services.daily is not None
    return world.bot.services.daily


def daily_posts(world: World, channel: int = CHANNEL) -> list[Message]:
    return [
        m
        for m in world.server.messages(channel)
        if any(e.get("title", "").startswith("Daily question · ") for e in m.embeds)
    ]


async def daily_post(world: World, day: str, channel: int = CHANNEL) -> Message:
    return await world.wait_for(
        lambda m: (
            m.channel_id == channel
            and any(e.get("title", "").startswith(f"Daily question · {day}") for e in m.embeds)
        )
    )


async def configure(world: World, options: dict[str, object], *, user: int = ADMIN) -> Message:
    service = daily(world)
    before = service.passes
    reply = await world.reply(await world.slash("quizconfig daily", options, user=user))
    if reply.content.startswith("Daily question:"):
        await service.wait_passes(before + 1)  # the scheduler has seen the change
    return reply


async def next_day_at(world: World, clock: ManualClock, seconds: float) -> None:
    await clock.sleepers()
    await clock.advance(seconds)


async def post_of(world: World, message: Message) -> store.OpenPost:
    custom_id = message.buttons()[0].custom_id
    assert custom_id is not None
    post = await store.get_post(daily(world).sessions, post_id=int(custom_id.split(":")[1]))
    assert post is not None
    return post


async def press(world: World, message: Message, index: int, user: int) -> Message:
    custom_id = message.buttons()[index].custom_id
    assert custom_id is not None
    interaction = await world.server.click(message.id, custom_id, user)
    return await interaction.wait_for_original(timeout=5)


async def test_post_answer_recap_and_streak(tmp_path: Path, database_url: str) -> None:
    clock = ManualClock(START)
    async with open_world(tmp_path, database_url, clock=clock) as world:
        reply = await configure(world, {"channel": CHANNEL, "time": "09:00", "kinds": "year"})
        assert reply.ephemeral and "at 09:00 UTC (year)" in reply.content, reply.content
        assert "Next: <t:" in reply.content  # an hour ahead
        assert daily_posts(world) == []  # not before its time

        await next_day_at(world, clock, 3600)
        first = await daily_post(world, "Thu 3 Dec 2026 · Year")
        assert len(first.embeds) == 1  # no recap on the first day
        assert "Open until the next question, <t:" in first.embed_text()
        post = await post_of(world, first)
        right = int(post.question["answer_index"])
        wrong = (right + 1) % 4

        await clock.advance(12.5)
        locked = await press(world, first, right, ALICE)
        assert locked.ephemeral and locked.content.startswith("Locked in: **")
        await clock.advance(3)
        await press(world, first, wrong, BORIS)
        again = await press(world, first, wrong, ALICE)
        assert (
            "already answered" in again.content and post.question["labels"][right] in again.content
        )

        # Nothing gives the answer away before the next day: streaks are still 0.
        stats = await world.reply(await world.slash("quiz stats", user=ALICE))
        assert "streak 0 · best 0" in stats.embed_text()

        await next_day_at(world, clock, DAY)
        second = await daily_post(world, "Fri 4 Dec 2026")
        recap = second.embeds[0]
        text = second.embed_text()
        assert recap["title"] == "Yesterday's question · Thu 3 Dec 2026"
        assert post.question["labels"][right] in recap["fields"][0]["value"]
        assert "1 of 2 players got it right (50%)" in text
        assert f"Fastest: <@{ALICE}> (12.5 s)" in text
        # The explanation is the source row's notes for the question's subject.
        records = {r.slug: r for r in daily(world).records}
        subject = records[post.question["subject_slug"]]
        assert str(subject.year) == str(post.question["answer"])
        assert (subject.notes or "")[:200] in text.replace("\n", " ") or post.question[
            "explanation"
        ][:200] in text
        assert post.question["explanation"] == post.question["explanation"].strip()

        # The old question's buttons say it has closed.
        late = await press(world, first, right, BORIS)
        assert "has closed" in late.content

        alice = await world.reply(await world.slash("quiz stats", user=ALICE))
        assert "streak 1 · best 1" in alice.embed_text()
        boris = await world.reply(await world.slash("quiz stats", user=BORIS))
        assert "streak 0 · best 0" in boris.embed_text()

        # Day 2: Alice right again (streak 2); day 3: Alice misses the day (streak 0).
        post2 = await post_of(world, second)
        await press(world, second, int(post2.question["answer_index"]), ALICE)
        await next_day_at(world, clock, DAY)
        third = await daily_post(world, "Sat 5 Dec 2026")
        board = await world.reply(
            await world.slash("leaderboard", {"ranking": "daily streaks"}, user=BORIS)
        )
        assert f"`  1.` <@{ALICE}> · **2** days" in board.embed_text()
        assert "Your streak: You have no running streak here." in board.embed_text()
        await next_day_at(world, clock, DAY)
        await daily_post(world, "Sun 6 Dec 2026")
        assert "Nobody answered." in daily_posts(world)[-1].embed_text()
        assert len(third.buttons()) == 4
        alice = await world.reply(await world.slash("quiz stats", user=ALICE))
        assert "streak 0 · best 2" in alice.embed_text()
        for user in (ALICE, BORIS):
            stored = await store.streak(daily(world).sessions, guild_id=GUILD, user_id=user)
            again_computed = await store.recomputed_streak(
                daily(world).sessions, guild_id=GUILD, user_id=user
            )
            assert stored == again_computed
        assert len(daily_posts(world)) == 4  # one a day, nothing else


async def test_settings_are_checked(tmp_path: Path, database_url: str) -> None:
    clock = ManualClock(START)
    async with open_world(tmp_path, database_url, clock=clock) as world:
        with pytest.raises(CommandNotPermitted):  # Discord hides it from plain members
            await world.server.slash(GUILD, CHANNEL, ALICE, "quizconfig daily", {"off": True})
        for command in world.server.commands[None]:  # an admin shows it to everyone
            if command["name"] == "quizconfig":
                command.pop("default_member_permissions", None)
        refused = await world.reply(
            await world.slash("quizconfig daily", {"channel": CHANNEL, "time": "09:00"}, user=ALICE)
        )
        assert refused.ephemeral and "Manage Server" in refused.content
        bad = await configure(world, {"channel": CHANNEL, "time": "25:00"})
        assert bad.ephemeral and "HH:MM" in bad.content
        kinds = await configure(world, {"channel": CHANNEL, "time": "09:00", "kinds": "colour"})
        assert "is not a question kind" in kinds.content
        with pytest.raises(InvalidCommandInput):  # Discord offers this server's channels only
            await world.server.slash(
                GUILD, CHANNEL, ADMIN, "quizconfig daily", {"channel": OTHER_CHANNEL, "time": "9"}
            )
        missing = await configure(world, {"time": "09:00"})
        assert "Give a `channel` and a `time`" in missing.content
        await configure(world, {"channel": CHANNEL, "time": "9:30"})
        moved = await configure(world, {"channel": SECOND_CHANNEL})
        assert f"<#{SECOND_CHANNEL}> at 09:30 UTC (every kind)" in moved.content
        off = await configure(world, {"off": True})
        assert off.content == "The daily question is off."
        await next_day_at(world, clock, 2 * 3600)
        await daily(world).wait_passes(daily(world).passes + 1)
        assert daily_posts(world, SECOND_CHANNEL) == []


async def test_restart_mid_day_posts_once(tmp_path: Path, database_url: str) -> None:
    clock = ManualClock(START)
    async with open_world(tmp_path, database_url, clock=clock) as world:
        await configure(world, {"channel": CHANNEL, "time": "09:00"})
        assert world.bot is not None
        # Down from 08:00 to 10:30: the question missed at 09:00 is posted when back.
        await stop_sandbox_bot(world.bot)
        world.clock = ManualClock(datetime(2026, 12, 3, 10, 30, tzinfo=UTC))
        await world.start_bot()
        await daily_post(world, "Thu 3 Dec 2026")
        # Another restart the same day: nothing more.
        await world.restart_bot()
        await daily(world).wait_passes(1)
        assert len(daily_posts(world)) == 1
        # Down for all of the next day: that day is skipped, not posted late.
        await stop_sandbox_bot(world.bot)
        world.clock = ManualClock(datetime(2026, 12, 5, 8, 0, tzinfo=UTC))
        await world.start_bot()
        await daily(world).wait_passes(1)
        assert len(daily_posts(world)) == 1
        await next_day_at(world, world.clock, 3600)
        third = await daily_post(world, "Sat 5 Dec 2026")
        assert third.embeds[0]["title"] == "The last question · Thu 3 Dec 2026"


async def test_two_processes_claim_a_day_once(tmp_path: Path, database_url: str) -> None:
    """Two bots on one database and one local Discord, shards 0 and 1 of 2: each posts the
    servers of its own shard, once."""
    route_base, gateway = discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    server = LocalDiscord(shard_count=2)
    server.add_guild(GUILD, "Test Server", channel_ids=[CHANNEL], members=members(), owner_id=ADMIN)
    server.add_guild(
        NEIGHBOUR, "Neighbour", channel_ids=[NEIGHBOUR_CHANNEL], members=members(), owner_id=ADMIN
    )
    assert server.shard_for(GUILD) != server.shard_for(NEIGHBOUR)
    await server.start()
    base = Settings(_env_file=None, data_dir=tmp_path, database_url=database_url)  # type: ignore[call-arg]
    settings = sandbox_settings(
        base, server.api_base, server.gateway_url, server.token, database_url
    )
    clocks = [ManualClock(START), ManualClock(START)]
    bots: list[DefectorBot] = []
    try:
        # Logged in one after the other (each migrates the database in its setup_hook, and
        # Alembic's command API is not safe for two at once in one process), then connected.
        configure_endpoints(settings)
        for shard in (0, 1):
            bot = DefectorBot(
                settings.model_copy(update={"shard_count": 2, "shard_ids": [shard]}),
                publish_on_start=False,
                clock=clocks[shard],
            )
            await bot.__aenter__()
            bots.append(bot)
            await login(bot, token_of(settings))
        await bots[0].publish_commands(force=True)
        for bot in bots:
            bot.gateway_task = asyncio.create_task(bot.connect(reconnect=True))
        await server.wait_until_ready(timeout=30)
        for guild in (GUILD, NEIGHBOUR):
            channel = CHANNEL if guild == GUILD else NEIGHBOUR_CHANNEL
            owner = bots[server.shard_for(guild)]
            assert owner.services.daily is not None
            before = owner.services.daily.passes
            interaction = await server.slash(
                guild, channel, ADMIN, "quizconfig daily", {"channel": channel, "time": "09:00"}
            )
            await interaction.wait_for_original(timeout=5)
            await owner.services.daily.wait_passes(before + 1)
        for bot, clock in zip(bots, clocks, strict=True):
            assert bot.services.daily is not None
            before = bot.services.daily.passes
            await clock.sleepers()
            await clock.advance(3600)
            await bot.services.daily.wait_passes(before + 1)
            # A pass already under way when the clock moved ends without seeing 09:00; the
            # next one, right after it, posts.
            while bot.services.daily.finished < 1:
                await bot.services.daily.wait_passes(bot.services.daily.passes + 1)
        for guild, channel in ((GUILD, CHANNEL), (NEIGHBOUR, NEIGHBOUR_CHANNEL)):
            posts = [m for m in server.messages(channel) if m.embeds]
            assert len(posts) == 1, (guild, posts)
            assert posts[0].embeds[0]["title"].startswith("Daily question · Thu 3 Dec 2026")
        # Each process posted exactly its own shard's server.
        assert [b.services.daily.posted for b in bots if b.services.daily] == [1, 1]
    finally:
        for bot in bots:
            await stop_sandbox_bot(bot)
        await server.close()
        discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = route_base, gateway
    assert server.violations == [], server.violations


async def test_claim_is_exclusive(tmp_path: Path, database_url: str) -> None:
    """Two services (two processes) on one database race for the same server and day."""
    clock = ManualClock(START)
    async with open_world(tmp_path, database_url, clock=clock) as world:
        late = await configure(world, {"channel": CHANNEL, "time": "07:00"})
        # 07:00 has passed at 08:00: today's question goes out now, not "next: 1 s ago".
        assert "Today's question is being posted now" in late.content, late.content
        await daily_post(world, "Thu 3 Dec 2026")
        service = daily(world)
        other = DailyService(sessions=service.sessions, records=service.records, clock=clock)
        config = await service.config(GUILD)
        assert config is not None
        # The day is taken: neither may post again.
        results = await asyncio.gather(service.post(config), other.post(config))
        assert results == [False, False]
        assert len(daily_posts(world)) == 1
        # A new day, both at once: exactly one claims it and posts. (The bot's own scheduler
        # is stopped first, or it would take the day before them.)
        await service.stop()
        await clock.advance(DAY)
        other.presenter = service.presenter
        results = await asyncio.gather(service.post(config), other.post(config))
        assert sorted(results) == [False, True]
        await daily_post(world, "Fri 4 Dec 2026")
        assert len(daily_posts(world)) == 2
