"""Reports of bad questions: members file them from a result's 🚩 button, a server's admins
list theirs, the bot's operators list and resolve every server's. A question reported by
``threshold`` distinct members is withheld from generation everywhere until resolved.

A question is stored in the database only when a member reports it: the questions whose
results this process showed are kept in memory (the most recent :data:`RECENT_QUESTIONS`),
and written all at once when the bot shuts down, so a result's 🚩 works after a restart.
After a crash, or once evicted, a question can no longer be reported (the member is told).

Every process reads the withheld set from the database before a game starts (and after each
report it takes), so a question withheld through one shard is withheld on all of them.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import reports as store
from bot.errors import InvalidInput, NotFound
from bot.quiz.model import Question
from bot.quiz.questions import QuestionGenerator
from bot.quiz.report import (
    DEFAULT_THRESHOLD,
    MAX_NOTE_CHARS,
    Decision,
    Reason,
    clean_note,
    fingerprint,
)
from bot.services.clock import Clock

log = logging.getLogger(__name__)

REPORTS_PER_PAGE = 5
RECENT_QUESTIONS = 2000
"""Questions whose results were shown that a report can still find before they are stored
(about 2 KB each; at 10 questions a second, the last 3 minutes or so)."""


@dataclass
class ReportService:
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    threshold: int = DEFAULT_THRESHOLD
    generators: list[QuestionGenerator] = field(default_factory=list)
    """The generators whose ``withheld`` this service keeps up to date."""

    recent: OrderedDict[str, tuple[Question, datetime]] = field(default_factory=OrderedDict)
    """Questions shown and not stored yet, by fingerprint, oldest first."""
    capacity: int = RECENT_QUESTIONS

    def shown(self, question: Question) -> str:
        """Remember a question whose result is being shown (in memory: no database on the
        answer path); its fingerprint, for its Report button."""
        key = fingerprint(question)
        recent = self.recent
        if key in recent:
            recent.move_to_end(key)
        else:
            recent[key] = (question, self.clock.wall())
            if len(recent) > self.capacity:
                recent.popitem(last=False)
        return key

    async def flush(self) -> None:
        """Store every question still only in memory (at shutdown), so that their Report
        buttons work after the restart."""
        if not self.recent:
            return
        asked = list(self.recent.values())
        self.recent.clear()
        await store.remember_all(self.sessions, asked)

    async def refresh(self) -> frozenset[str]:
        """Read the withheld facts and hand them to every generator."""
        withheld = await store.withheld_facts(self.sessions, threshold=self.threshold)
        for generator in self.generators:
            generator.withheld = withheld
        return withheld

    async def refresh_quietly(self) -> None:
        """:meth:`refresh`, keeping the last set if the database is unavailable."""
        try:
            await self.refresh()
        except Exception:
            log.warning("could not read the withheld questions; keeping the last set")

    async def report(
        self, *, key: str, guild_id: int, user_id: int, reason: str, note: str | None
    ) -> store.Filed:
        try:
            why = Reason(reason)
        except ValueError:
            raise InvalidInput("Choose what is wrong from the list.") from None
        if note is not None and len(note) > MAX_NOTE_CHARS:
            raise InvalidInput(f"Keep the note to {MAX_NOTE_CHARS} characters.")
        try:
            filed = await store.add_report(
                self.sessions,
                key=key,
                guild_id=guild_id,
                reporter_id=user_id,
                reason=why,
                note=clean_note(note),
                now=self.clock.wall(),
                question=self.recent.get(key),
            )
        except store.UnknownQuestion:
            raise NotFound(
                "That question can no longer be reported: the bot no longer knows it (it was "
                "asked too long ago, or before the bot restarted unexpectedly)."
            ) from None
        self.recent.pop(key, None)  # stored now
        if filed.reporters >= self.threshold:
            await self.refresh_quietly()
        return filed

    async def page(self, *, guild_id: int | None, page: int = 1) -> store.ReportPage:
        return await store.list_reports(
            self.sessions,
            guild_id=guild_id,
            threshold=self.threshold,
            page=page,
            per_page=REPORTS_PER_PAGE,
        )

    async def every_report(self) -> store.ReportPage:
        """Every server's reported questions on one page (for the command line)."""
        return await store.list_reports(
            self.sessions, guild_id=None, threshold=self.threshold, page=1, per_page=10**9
        )

    async def resolve(self, *, key: str, decision: Decision) -> int:
        closed = await store.resolve(
            self.sessions, key=key, decision=decision, now=self.clock.wall()
        )
        await self.refresh_quietly()
        return closed


ReportPage = store.ReportPage
ReportedQuestion = store.ReportedQuestion
Filed = store.Filed
