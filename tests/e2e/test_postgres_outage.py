"""A real PostgreSQL server stopped mid-game and started again.

tests/e2e/test_outage.py makes the database fail from inside the bot; here the server itself
goes away (``pg_ctl stop -m fast``: every connection is closed, new ones are refused) while a
game runs, and comes back on the same port with the same data. The bot's pool holds dead
connections when it happens, so this also covers what the pool does with them.

Each test gets a PostgreSQL cluster of its own (``scripts/test-postgres.sh`` with another
port and directory), so stopping it disturbs no other test. Needs the server binaries, which
``.ci/run`` installs; skipped without ``TEST_POSTGRES_URL``, like every PostgreSQL test.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.db.models import QuizAnswer
from bot.services.clock import ManualClock
from tests.e2e.helpers import ALICE, BORIS, ErrorLog, World
from tests.e2e.test_quiz import (
    asked_question,
    choice_index,
    current_question,
    final_message,
    press,
    question_message,
    result_message,
    start,
    tick,
)

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_POSTGRES_URL"),
    reason="needs the PostgreSQL server binaries: .ci/run installs them and sets TEST_POSTGRES_URL",
)

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "test-postgres.sh"
PORT = "54331"


class Server:
    """A throwaway PostgreSQL cluster the test may stop and start."""

    def __init__(self, directory: str) -> None:
        self.environment = {
            **os.environ,
            "TEST_POSTGRES_PORT": PORT,
            "TEST_POSTGRES_DIR": directory,
        }

    async def run(self, action: str) -> str:
        process = await asyncio.create_subprocess_exec(
            "bash", str(SCRIPT), action, env=self.environment,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await process.communicate()
        assert process.returncode == 0, err.decode()
        return out.decode().strip()

    async def start(self) -> str:
        return await self.run("start")

    async def stop(self) -> None:
        await self.run("stop")


@pytest.fixture
async def postgres() -> AsyncIterator[Server]:
    # Not under pytest's tmp_path: as root the script runs the server as `postgres`, which
    # must be able to reach the directory.
    directory = tempfile.mkdtemp(prefix="defector-bot-outage-pg-")
    os.chmod(directory, 0o755)
    server = Server(directory)
    try:
        yield server
    finally:
        await server.stop()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
async def database_url(postgres: Server) -> str:
    """Overrides tests/conftest.py: the world's bot uses this test's own server."""
    return await postgres.start()


async def answers_of(world: World, user: int) -> int:
    assert world.bot is not None
    async with world.bot.services.quiz.sessions() as session:
        count = await session.scalar(
            select(func.count()).select_from(QuizAnswer).where(QuizAnswer.user_id == user)
        )
    return int(count or 0)


async def test_postgres_stopped_mid_game_then_started(
    world: World, postgres: Server, error_log: ErrorLog
) -> None:
    assert world.bot is not None
    quiz = world.bot.services.quiz
    clock = ManualClock()
    quiz.clock = clock

    async def retry_soon(_: float) -> None:
        await asyncio.sleep(0.01)  # the keeper's back-off, shortened for the test

    quiz.ledger.keeper.sleep = retry_soon
    await start(world, {"rounds": 2, "seconds": 10, "kinds": "year", "mode": "buttons"})
    first = await question_message(world, 1)

    await postgres.stop()

    # Lookups are served from memory.
    card = await world.reply(await world.slash("defector lookup", {"name": "nureyev"}))
    assert card.embeds[0]["title"] == "Rudolf Nureyev"
    # Commands that need the database say so, to the member alone.
    for command in ("leaderboard", "quiz stats"):
        reply = await world.reply(await world.slash(command, {}, user=BORIS))
        assert reply.ephemeral and "try again shortly" in reply.content, (command, reply.content)

    # The game goes on: both questions are asked, answered and announced.
    question = current_question(world)
    await press(world, first, choice_index(question, True), ALICE)
    await press(world, first, choice_index(question, False), BORIS)
    await tick(clock, 10.5)
    assert f"<@{ALICE}> +" in (await result_message(world, 1)).embed_text()
    await tick(clock, 4)
    second, question = await asked_question(world, 2)
    await press(world, second, choice_index(question, True), ALICE)
    await tick(clock, 10.5)
    final = await final_message(world)
    assert f"<@{ALICE}>" in final.embed_text()
    assert not quiz.ledger.keeper.healthy  # the results wait in memory, in order

    await postgres.start()
    await quiz.ledger.keeper.drained()
    assert quiz.ledger.keeper.healthy and quiz.ledger.keeper.dropped == 0

    # Written once each, not once per retry: two answers of Alice's, one of Boris's.
    assert await answers_of(world, ALICE) == 2
    assert await answers_of(world, BORIS) == 1
    board = await world.reply(await world.slash("leaderboard", {}, user=ALICE))
    assert f"<@{ALICE}> · **" in board.embed_text()
    stats = await world.reply(await world.slash("quiz stats", {}, user=ALICE))
    assert "2/2 right" in stats.embed_text()
    # A new game starts on the database that came back.
    await start(world, {"rounds": 1, "seconds": 10, "kinds": "year", "mode": "buttons"})
    await question_message(world, 1)
    assert error_log.records == [], [r.getMessage() for r in error_log.records]
