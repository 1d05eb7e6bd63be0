"""Abuse limits (issue 12): quizzes per member per server, typed guesses per question."""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

import pytest

from bot.config import Settings
from bot.services import quiz as quiz_module
from bot.services.clock import ManualClock
from cogs.lookup import SWEEP_SPACING
from tests.e2e.helpers import (
    ALICE,
    BORIS,
    CHANNEL,
    GUILD,
    OTHER_CHANNEL,
    OTHER_GUILD,
    SECOND_CHANNEL,
    World,
)
from tests.e2e.test_faults import scorers, settle
from tests.e2e.test_quiz import (
    asked_question,
    game_in,
    result_message,
    service,
    start,
)


def test_the_defaults() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.quiz_games_per_member == 3
    assert settings.quiz_guesses_per_question == 5


async def test_a_member_runs_only_so_many_quizzes_in_one_server(
    world: World, clock: ManualClock
) -> None:
    service(world).games_per_member = 1
    options = {"rounds": 5, "seconds": 60, "kinds": "year"}
    await start(world, options, user=ALICE, channel=CHANNEL)
    refused = await world.reply(
        await world.slash("quiz start", options, user=ALICE, channel=SECOND_CHANNEL)
    )
    assert refused.ephemeral
    assert refused.content == (
        f"You already have 1 quiz running on this server (<#{CHANNEL}>); "
        "end one with `/quiz stop` first."
    )
    assert SECOND_CHANNEL not in service(world).games
    # Another member may; and the limit is per server.
    await start(world, options, user=BORIS, channel=SECOND_CHANNEL)
    await start(world, options, user=ALICE, guild=OTHER_GUILD, channel=OTHER_CHANNEL)
    # Once the first ends, Alice may start again.
    stopped = await world.reply(await world.slash("quiz stop", {}, user=ALICE, channel=CHANNEL))
    assert not stopped.ephemeral
    await world.wait_for(
        lambda m: (
            m.channel_id == CHANNEL and bool(m.embeds) and m.embeds[0].get("title") == "Quiz over"
        )
    )
    await clock.advance(0)
    await start(world, options, user=ALICE, channel=CHANNEL)


async def test_typing_every_year_cannot_win(world: World, clock: ManualClock) -> None:
    await start(world, {"rounds": 1, "seconds": 60, "kinds": "year", "mode": "typed"})
    _, question = await asked_question(world, 1)
    answer = int(question.answer)
    wrong = [year for year in range(1940, 1992) if abs(year - answer) > 3]
    server = world.server
    sent = [await server.user_message(GUILD, CHANNEL, ALICE, str(y)) for y in wrong[:5]]
    sixth = await server.user_message(GUILD, CHANNEL, ALICE, str(answer))  # over the limit
    seventh = await server.user_message(GUILD, CHANNEL, ALICE, str(answer))
    await settle(world)
    me = server.bot_user_id

    def reactions(payload: dict[str, object]) -> list[tuple[str, int]]:
        stored = server.message(int(str(payload["id"])))
        assert stored is not None
        return list(stored.reactions)

    assert all(reactions(p) == [] for p in sent)  # wrong, far: no reaction
    assert reactions(sixth) == [("🐢", me)]  # ignored, said once
    assert reactions(seventh) == []
    assert game_in(world).game.current is question  # still open: the right year was ignored
    winner = await server.user_message(GUILD, CHANNEL, BORIS, str(answer))
    assert scorers(await result_message(world, 1)) == [f"<@{BORIS}> +10 (0.0 s)"]
    assert reactions(winner) == [("✅", me)]


async def test_search_lists_expire_through_one_sweeper_spread_out(world: World) -> None:
    assert world.bot is not None
    world.bot.services.search_timeout = 0.3
    edits: list[tuple[float, int]] = []
    stop = world.server.subscribe(
        lambda kind, message: (
            edits.append((time.monotonic(), message.id))
            if kind == "edit" and message.buttons() and all(b.disabled for b in message.buttons())
            else None
        )
    )
    try:
        lists = []
        for _ in range(12):
            lists.append(
                await world.reply(await world.slash("defector search", {"origin": "Hungary"}))
            )
        sweepers = [t for t in asyncio.all_tasks() if t.get_name() == "search-expiry"]
        assert len(sweepers) == 1  # not a task per search
        for shown in lists:
            await world.wait_for(
                lambda m, i=shown.id: m.id == i and all(b.disabled for b in m.buttons())
            )
    finally:
        stop()
    assert sorted({i for _, i in edits}) == sorted(m.id for m in lists)
    times = sorted(t for t, _ in edits)
    assert all(b - a >= SWEEP_SPACING * 0.9 for a, b in itertools.pairwise(times))


async def test_starts_sent_together_cannot_pass_the_limit(
    world: World, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    quiz = service(world)
    quiz.games_per_member = 1
    real_create = quiz_module.game_store.create_game
    in_database, release = asyncio.Event(), asyncio.Event()
    creating = 0

    async def held_create(*args: Any, **kwargs: Any) -> int:
        """The game row is written only once the test says so."""
        nonlocal creating
        creating += 1
        if creating >= 2:
            in_database.set()  # both starts got past the limit: the bug
        await release.wait()
        return await real_create(*args, **kwargs)

    monkeypatch.setattr(quiz_module.game_store, "create_game", held_create)
    options = {"rounds": 5, "seconds": 60, "kinds": "year"}
    first = await world.server.slash(GUILD, CHANNEL, ALICE, "quiz start", options)
    await world.server.wait_for(lambda: creating == 1)
    second = await world.server.slash(GUILD, SECOND_CHANNEL, ALICE, "quiz start", options)
    refused = asyncio.ensure_future(world.reply(second))
    both = asyncio.ensure_future(in_database.wait())
    try:
        done, _ = await asyncio.wait({refused, both}, return_when=asyncio.FIRST_COMPLETED)
        assert refused in done, "the second start reached the database too"
    finally:
        both.cancel()
        release.set()
    reply = refused.result()
    assert reply.ephemeral
    assert reply.content.startswith("You already have 1 quiz running on this server")
    await first.wait_for_response(timeout=5)
    await world.wait_for(  # (as the reply, or after "Started." if the start was deferred)
        lambda m: m.channel_id == CHANNEL and not m.ephemeral and m.content.startswith("Quiz #")
    )
    assert list(quiz.games) == [CHANNEL]
