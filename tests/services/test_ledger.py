"""The write pipeline on its own: a real database, a journal in a temporary folder, and a
database outage played by a write function that refuses while told to."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.engine import blocking_writer_for
from bot.db.quiz.games import create_game, get_game
from bot.db.quiz.tables import ANSWERS
from bot.quiz.game import EndReason, Mode
from bot.quiz.model import QuestionKind
from bot.records import AnswerRecord
from bot.services.journal import ResultJournal
from bot.services.ledger import Ledger, Saved

Sessions = async_sessionmaker[AsyncSession]
NOW = datetime(2026, 12, 3, 13, 0, tzinfo=UTC)
GUILD, CHANNEL = 900_000_000_000_000_001, 800_000_000_000_000_001


async def new_game(sessions: Sessions) -> int:
    return await create_game(
        sessions,
        guild_id=GUILD,
        channel_id=CHANNEL,
        starter_id=1,
        mode=Mode.BUTTONS,
        kinds=[QuestionKind.YEAR],
        rounds=3,
        started_at=NOW,
    )


def answers(game_id: int, number: int, *users: int) -> list[AnswerRecord]:
    return [
        AnswerRecord(
            game_id=game_id,
            question_number=number,
            guild_id=GUILD,
            channel_id=CHANNEL,
            user_id=user,
            kind=QuestionKind.YEAR,
            record_slug="rudolf-nureyev",
            correct=True,
            points=10,
            response_ms=1200,
            answered_at=NOW,
        )
        for user in users
    ]


async def stored(sessions: Sessions) -> list[tuple[int, int]]:
    """(question number, user) of every ledger row."""
    async with sessions() as session:
        query = select(ANSWERS.c.question_number, ANSWERS.c.user_id).order_by(ANSWERS.c.id)
        return [(int(n), int(u)) for n, u in (await session.execute(query)).all()]


class Outage:
    """Stands between the ledger's group writer and the database: refuses while ``down``."""

    def __init__(self, ledger: Ledger) -> None:
        self.down = True
        self.real: Callable[[list[AnswerRecord]], Awaitable[object]] = ledger.group.write_many
        ledger.group.write_many = self.write_many

        async def retry_soon(_: float) -> None:
            await asyncio.sleep(0)  # the keeper's back-off, without the wait

        ledger.keeper.sleep = retry_soon

    async def write_many(self, rows: list[AnswerRecord]) -> object:
        if self.down:
            raise OperationalError("INSERT", {}, OSError(111, "Connection refused"))
        return await self.real(rows)


async def test_a_result_is_written_once_however_often_it_is_recorded(sessions: Sessions) -> None:
    ledger = Ledger(sessions)
    game = await new_game(sessions)
    assert await ledger.record(answers(game, 1, 7, 8), what="q1") is Saved.WRITTEN
    assert await ledger.record(answers(game, 1, 7, 8), what="q1 again") is Saved.WRITTEN
    assert await stored(sessions) == [(1, 7), (1, 8)]
    await ledger.close()


async def test_during_an_outage_results_are_journaled_and_written_in_order_after(
    sessions: Sessions, tmp_path: Path
) -> None:
    journal = ResultJournal(tmp_path / "journal.jsonl")
    ledger = Ledger(sessions, journal=journal)
    game = await new_game(sessions)
    outage = Outage(ledger)
    assert await ledger.record(answers(game, 1, 7), what="q1") is Saved.JOURNALED
    await ledger.finish_game(game_id=game, reason=EndReason.STOPPED, winner_id=7, ended_at=NOW)
    assert [what for what, _ in ledger.keeper.backlog] == ["q1", f"the end of game {game}"]
    assert journal.outstanding == 1 and await stored(sessions) == []

    outage.down = False
    await ledger.keeper.drained()
    assert await stored(sessions) == [(1, 7)]
    record = await get_game(sessions, game_id=game)
    assert record is not None and record.end_reason is EndReason.STOPPED
    assert journal.outstanding == 0 and journal.path.read_bytes() == b""
    await ledger.close()


async def test_without_a_journal_an_outage_leaves_the_points_unsaved(sessions: Sessions) -> None:
    ledger = Ledger(sessions)
    game = await new_game(sessions)
    outage = Outage(ledger)
    assert await ledger.record(answers(game, 1, 7), what="q1") is Saved.UNSAVED
    outage.down = False
    await ledger.keeper.drained()
    assert await stored(sessions) == [(1, 7)]
    await ledger.close()


async def test_the_next_start_writes_what_the_last_run_journaled(
    sessions: Sessions, tmp_path: Path
) -> None:
    path = tmp_path / "journal.jsonl"
    game = await new_game(sessions)
    first_run = Ledger(sessions, journal=ResultJournal(path))
    Outage(first_run)
    assert await first_run.record(answers(game, 1, 7), what="q1") is Saved.JOURNALED
    assert await first_run.record(answers(game, 2, 7, 8), what="q2") is Saved.JOURNALED
    first_run.keeper.backlog.clear()  # killed: what waited in memory is gone
    assert first_run.journal is not None
    first_run.journal.close()

    next_run = Ledger(sessions, journal=ResultJournal(path))
    assert await next_run.replay_journal() == 2
    assert await stored(sessions) == [(1, 7), (2, 7), (2, 8)]
    assert next_run.journal is not None and next_run.journal.outstanding == 0
    await next_run.close()


async def test_on_sqlite_the_worker_thread_writes_and_closes_with_the_ledger(
    sessions: Sessions, database_url: str
) -> None:
    thread = blocking_writer_for(database_url)
    if thread is None:
        pytest.skip("PostgreSQL has no worker thread: asyncpg writes from the event loop")
    ledger = Ledger(sessions, thread=thread)
    game = await new_game(sessions)
    batches: list[int] = []
    real = ledger.group.write_many

    async def counted(rows: list[AnswerRecord]) -> object:
        batches.append(len(rows))
        return await real(rows)

    ledger.group.write_many = counted
    async with asyncio.TaskGroup() as group:  # three questions closing together
        for number in (1, 2, 3):
            group.create_task(ledger.record(answers(game, number, 7), what=f"q{number}"))
    assert batches == [3]  # one transaction for the three
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ANSWERS)) == 3
    await ledger.close()
    assert ledger.thread is None
    assert thread._thread._shutdown  # the worker thread is gone with the ledger
