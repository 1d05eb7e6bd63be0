"""The database goes away mid-game: lookups keep working, the game goes on, commands that
need the database say "try again shortly", and the points are written once it returns."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.exc import OperationalError

from bot.services.clock import ManualClock
from tests.e2e.helpers import ALICE, BORIS, World
from tests.e2e.test_quiz import (
    choice_index,
    current_question,
    final_message,
    press,
    question_message,
    result_message,
    start,
    tick,
)


class FlakySessions:
    """Wraps the bot's session factory; while ``down``, every session fails to connect."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.down = False

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.down:
            raise OperationalError("connect", {}, ConnectionRefusedError("database is down"))
        return self.real(*args, **kwargs)


async def test_a_database_outage_mid_game(world: World) -> None:
    assert world.bot is not None
    quiz = world.bot.services.quiz
    clock = ManualClock()
    quiz.clock = clock
    flaky = FlakySessions(quiz.sessions)
    quiz.sessions = quiz.ledger.sessions = flaky  # type: ignore[assignment]
    # On SQLite the ledger is written by a worker thread with sessions of its own.
    writer = quiz.ledger.thread
    assert (writer is not None) == world.settings.resolved_database_url.startswith("sqlite")
    flaky_writer = FlakySessions(writer.sessions if writer else None)
    if writer is not None:
        writer.sessions = flaky_writer  # type: ignore[assignment]

    async def retry_soon(_: float) -> None:
        await asyncio.sleep(0.01)  # the keeper's back-off, shortened for the test

    quiz.ledger.keeper.sleep = retry_soon
    await start(world, {"rounds": 2, "seconds": 10, "kinds": "year"})
    first = await question_message(world, 1)
    flaky.down = flaky_writer.down = True

    # Lookups are served from memory.
    card = await world.reply(await world.slash("defector lookup", {"name": "nureyev"}))
    assert card.embeds[0]["title"] == "Rudolf Nureyev"
    # Commands that need the database say so, ephemerally.
    board = await world.reply(await world.slash("leaderboard", {}, user=BORIS))
    assert board.ephemeral and "try again shortly" in board.content

    # The game goes on: the answer is taken and announced.
    question = current_question(world)
    await press(world, first, choice_index(question, True), ALICE)
    await tick(clock, 10.5)
    assert f"<@{ALICE}> +" in (await result_message(world, 1)).embed_text()
    await tick(clock, 4)
    await question_message(world, 2)
    await tick(clock, 10.5)
    await final_message(world)
    assert not quiz.ledger.keeper.healthy  # the results wait in memory

    flaky.down = flaky_writer.down = False
    await quiz.ledger.keeper.drained()
    board = await world.reply(await world.slash("leaderboard", {}, user=ALICE))
    assert f"<@{ALICE}> · **" in board.embed_text()
    stats = await world.reply(await world.slash("quiz stats", {}, user=ALICE))
    assert "1/1 right" in stats.embed_text()  # written once, not once per retry
