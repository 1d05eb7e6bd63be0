"""The write pipeline of quiz results: closed questions' answers and games' ends, on their way
to the database.

A :class:`Ledger` owns every stage a result passes through:

* the group writer: answers of questions closing together go in one transaction;
* on SQLite, the worker thread that runs that transaction in one call (bot/db/engine.py);
* the score keeper: while the database refuses writes, results wait in memory, in order,
  and are written when it returns (bot/services/scores.py);
* the journal: a result that has to wait is first kept on local disk, so a restart loses no
  point that was announced (bot/services/journal.py).

:meth:`Ledger.record` says where the answers are when it returns (:class:`Saved`): the quiz
service announces a result only after that, with those words.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.engine import BlockingWriter
from bot.db.quiz import games as game_store
from bot.db.quiz import ledger as ledger_store
from bot.quiz.game import EndReason
from bot.records import AnswerRecord
from bot.services.journal import ResultJournal
from bot.services.scores import GroupWriter, ScoreKeeper

log = logging.getLogger(__name__)


class Saved(StrEnum):
    """Where a closed question's points are when its result is announced."""

    WRITTEN = "written"
    """In the ledger (or there was nothing to write)."""
    JOURNALED = "journaled"
    """The database refused; kept in the journal on disk, written when it returns."""
    UNSAVED = "unsaved"
    """The database and the journal both refused: only in memory, lost if the bot stops."""


@dataclass
class Ledger:
    sessions: async_sessionmaker[AsyncSession]
    thread: BlockingWriter | None = None
    """Where ledger writes run on SQLite (one call per transaction in a worker thread; the
    ledger closes it); None: through ``sessions`` (PostgreSQL, tests)."""
    keeper: ScoreKeeper = field(default_factory=ScoreKeeper)
    journal: ResultJournal | None = None
    """Where results the database refused are kept on disk; None: only in memory."""

    def __post_init__(self) -> None:
        self.group: GroupWriter[AnswerRecord] = GroupWriter(self._write_many)
        """Questions closing together are written to the ledger in one transaction."""

    async def _write_many(self, answers: list[AnswerRecord]) -> int:
        if self.thread is not None:
            return await self.thread.run(ledger_store.record_answers_blocking, answers=answers)
        return await ledger_store.record_answers(self.sessions, answers=answers)

    async def record(
        self, answers: Sequence[AnswerRecord], *, what: str, entry: int | None = None
    ) -> Saved:
        """Write ``answers`` (``what``: how the logs name them) to the ledger now, or journal
        them and write them when the database returns. ``entry``: they are already in the
        journal (a replay). Raises what the database refuses for what it is."""
        journal = self.journal

        async def keep() -> None:
            nonlocal entry
            if entry is None and journal is not None:
                entry = await journal.append(answers)

        async def write() -> None:
            await self.group.write(answers)
            if entry is not None and journal is not None:
                await journal.written(entry)

        if await self.keeper.write(what, write, keep=keep):
            return Saved.WRITTEN
        return Saved.UNSAVED if entry is None else Saved.JOURNALED

    async def finish_game(
        self, *, game_id: int, reason: EndReason, winner_id: int | None, ended_at: datetime
    ) -> None:
        """Close the game's row, behind the answers still waiting for the database."""

        async def write() -> bool:
            return await game_store.finish_game(
                self.sessions,
                game_id=game_id,
                reason=reason,
                winner_id=winner_id,
                ended_at=ended_at,
            )

        await self.keeper.write(f"the end of game {game_id}", write)

    async def replay_journal(self) -> int:
        """At start-up: write what the last run journaled (each entry once; the ledger
        ignores rows it already has). Entries the database still refuses wait in the
        keeper like any other. Returns how many entries were read."""
        if self.journal is None:
            return 0
        entries = self.journal.load()
        for entry, answers in entries:
            first = answers[0] if answers else None
            what = (
                f"journaled game {first.game_id} question {first.question_number}"
                if first
                else "an empty journal entry"
            )
            try:
                await self.record(answers, what=what, entry=entry)
            except Exception as error:  # refused for what it is (e.g. its game is gone)
                log.error("could not write %s (%s); set aside", what, error)
                self.journal.set_aside(answers)
                await self.journal.written(entry)
        return len(entries)

    async def close(self) -> None:
        """Finish the writes in flight, try once more what waits for the database, then let
        go of the journal and the worker thread. Call it once nothing records any more."""
        await self.group.close()
        unwritten = await self.keeper.close()
        if unwritten:
            kept = self.journal.outstanding if self.journal is not None else 0
            results = "1 question result" if kept == 1 else f"{kept} question results"
            where = f"in {self.journal.path}" if self.journal is not None else "nowhere"
            log.warning(
                "closing with %d unwritten writes (%s); %s wait %s for the next start, "
                "which also closes the games left open",
                len(unwritten),
                ", ".join(unwritten[:5]) + (", …" if len(unwritten) > 5 else ""),
                results,
                where,
            )
        if self.journal is not None:
            self.journal.close()
        if self.thread is not None:
            await self.thread.close()
            self.thread = None
