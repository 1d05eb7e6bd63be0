"""Nothing announced that is not kept (issue 12), through the real bot and the local Discord:

* a typed winner's ✅ comes only once its point is written;
* while the database refuses writes, a result is journaled on disk before it is announced,
  says so, and reaches the ledger after a restart that lost everything in memory;
* if the journal cannot be written either, the result says the points are not saved, and
  the winning message gets no ✅;
* a message sent before a question opened never answers it, even redelivered in a later game.

The kill through a real process (SIGKILL with the file-size limit) is in test_process.py.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.exc import OperationalError

from bot.services.clock import ManualClock
from bot.ui.quiz import NOT_SAVED, SAVED_LOCALLY
from tests.e2e.helpers import ALICE, BORIS, CHANNEL, GUILD, World
from tests.e2e.test_faults import ledger, scorers, settle
from tests.e2e.test_quiz import (
    current_question,
    final_message,
    game_in,
    result_message,
    start,
    tick,
)
from tests.e2e.test_quiz import service as quiz_of

Writer = Callable[[list[Any]], Awaitable[object]]


def refuse_ledger_writes(world: World) -> dict[str, bool]:
    """Every ledger write fails as an unreachable database would, while ``state["down"]``."""
    quiz = quiz_of(world)
    real: Writer = quiz.ledger.group.write_many
    state = {"down": True}

    async def write_many(answers: list[Any]) -> object:
        if state["down"]:
            raise OperationalError("INSERT", {}, OSError(5, "disk I/O error"))
        return await real(answers)

    quiz.ledger.group.write_many = write_many

    async def retry_soon(_: float) -> None:
        await asyncio.sleep(0.01)  # the keeper's back-off, shortened for the test

    quiz.ledger.keeper.sleep = retry_soon
    return state


def forget_memory(world: World) -> None:
    """What SIGKILL does to the keeper: whatever waits in memory is gone."""
    keeper = quiz_of(world).ledger.keeper
    if keeper._flusher is not None:
        keeper._flusher.cancel()
    keeper.backlog.clear()


def reactions(world: World, message: dict[str, Any]) -> list[tuple[str, int]]:
    stored = world.server.message(int(message["id"]))
    assert stored is not None
    return list(stored.reactions)


async def typed_question(world: World, rounds: int = 1) -> int:
    """Start a typed year quiz; the open question's answer."""
    before = max((m.id for m in world.server.messages(CHANNEL)), default=0)
    await start(world, {"rounds": rounds, "seconds": 30, "kinds": "year", "mode": "typed"})
    # This game's question 1, not an earlier game's in the same channel.
    await world.wait_for(
        lambda m: (
            m.channel_id == CHANNEL
            and m.id > before
            and bool(m.embeds)
            and m.embeds[0].get("title", "").startswith("Question 1 of")
        )
    )
    question = current_question(world)
    return int(question.answer)


async def test_a_typed_win_gets_its_tick_only_once_written(
    world: World, clock: ManualClock
) -> None:
    quiz = quiz_of(world)
    real: Writer = quiz.ledger.group.write_many
    writing, release = asyncio.Event(), asyncio.Event()

    async def slow_write(answers: list[Any]) -> object:
        writing.set()
        await release.wait()
        return await real(answers)

    quiz.ledger.group.write_many = slow_write
    answer = await typed_question(world)
    winner = await world.server.user_message(GUILD, CHANNEL, ALICE, f"{answer}")
    try:
        await asyncio.wait_for(writing.wait(), 5)
        await settle(world)  # the message's handler has finished: it added no ✅
        assert reactions(world, winner) == []
    finally:
        release.set()  # else the bot's shutdown would wait for this write forever
    await result_message(world, 1)
    assert reactions(world, winner) == [("✅", world.server.bot_user_id)]
    assert await ledger(world, ALICE) == (1, 10)


async def test_points_the_database_refuses_are_journaled_and_survive_a_kill(
    world: World, clock: ManualClock
) -> None:
    outage = refuse_ledger_writes(world)
    answer = await typed_question(world)
    winner = await world.server.user_message(GUILD, CHANNEL, ALICE, str(answer))
    result = await result_message(world, 1)
    assert scorers(result) == [f"<@{ALICE}> +10 (0.0 s)"]
    assert result.embeds[0]["footer"]["text"] == SAVED_LOCALLY
    assert reactions(world, winner) == [("✅", world.server.bot_user_id)]
    await final_message(world)
    journal = quiz_of(world).ledger.journal
    assert journal is not None and journal.outstanding == 1
    assert journal.path.read_bytes().count(b"\n") == 1

    forget_memory(world)  # killed: only the journal remembers
    outage["down"] = False
    await world.restart_bot()
    assert await ledger(world, ALICE) == (1, 10)
    journal = quiz_of(world).ledger.journal
    assert journal is not None and journal.outstanding == 0
    assert journal.path.read_bytes() == b""  # emptied once written

    await world.restart_bot()  # nothing replayed twice
    assert await ledger(world, ALICE) == (1, 10)


async def test_the_journal_is_written_to_the_ledger_when_the_database_returns(
    world: World, clock: ManualClock
) -> None:
    outage = refuse_ledger_writes(world)
    answer = await typed_question(world)
    await world.server.user_message(GUILD, CHANNEL, BORIS, str(answer))
    await result_message(world, 1)
    await final_message(world)
    quiz = quiz_of(world)
    assert quiz.ledger.journal is not None and quiz.ledger.journal.outstanding == 1
    outage["down"] = False
    await quiz.ledger.keeper.drained()
    assert await ledger(world, BORIS) == (1, 10)
    assert quiz.ledger.journal.outstanding == 0 and quiz.ledger.journal.path.read_bytes() == b""


async def test_a_result_neither_the_database_nor_the_disk_keeps_is_not_called_saved(
    world: World, clock: ManualClock
) -> None:
    refuse_ledger_writes(world)
    journal = quiz_of(world).ledger.journal
    assert journal is not None
    blocker = journal.path.parent / "not-a-folder"
    blocker.write_text("x")
    journal.path = blocker / "journal.jsonl"  # every append fails (ENOTDIR), as a full disk
    answer = await typed_question(world)
    winner = await world.server.user_message(GUILD, CHANNEL, ALICE, str(answer))
    result = await result_message(world, 1)
    fields = {f["name"]: f["value"] for f in result.embeds[0]["fields"]}
    assert fields["⚠️ Not saved"] == NOT_SAVED
    assert "footer" not in result.embeds[0] or result.embeds[0]["footer"]["text"] != SAVED_LOCALLY
    assert reactions(world, winner) == []  # no ✅ for a point that may be lost
    await final_message(world)


async def test_an_old_message_redelivered_never_answers_a_later_game(
    world: World, clock: ManualClock
) -> None:
    # Game 1: Boris types every year but the right one (and nobody wins).
    first_answer = await typed_question(world)
    guesses = {}
    for year in range(1940, 1992):
        if year != first_answer:
            guesses[year] = await world.server.user_message(GUILD, CHANNEL, BORIS, str(year))
    await tick(clock, 30.5)
    await result_message(world, 1)
    await final_message(world)
    before = await ledger(world, BORIS)

    # Game 2 in the same channel; Discord redelivers Boris's old message with its answer.
    answer = await typed_question(world)
    # (Should game 2 ask game 1's year, any old guess shows the same: it is not even judged.)
    old = guesses.get(answer) or next(iter(guesses.values()))
    await world.server.redeliver("MESSAGE_CREATE", int(old["id"]))
    await settle(world)
    assert game_in(world).game.locked_in == frozenset()
    assert ("✅", world.server.bot_user_id) not in reactions(world, old)
    await tick(clock, 30.5)
    assert scorers(await result_message(world, 1)) == []
    assert await ledger(world, BORIS) == before


async def test_a_journal_entry_the_ledger_refuses_is_set_aside_not_a_failed_start(
    world: World,
) -> None:
    journal = quiz_of(world).ledger.journal
    assert journal is not None
    orphan = {
        "game_id": 987654, "question_number": 1, "guild_id": GUILD, "channel_id": CHANNEL,
        "user_id": ALICE, "kind": "year", "record_slug": "rudolf-nureyev", "correct": True,
        "points": 10, "response_ms": 900, "answered_at": "2026-12-03T13:00:00+00:00",
    }  # fmt: skip
    journal.path.write_text(json.dumps({"answers": [orphan]}) + "\n")  # no such game
    await world.restart_bot()
    journal = quiz_of(world).ledger.journal
    assert journal is not None and journal.path.read_bytes() == b""
    rejected = journal.path.with_name(journal.path.name + ".rejected").read_text()
    assert '"game_id":987654' in rejected
    assert await ledger(world, ALICE) == (0, 0)
