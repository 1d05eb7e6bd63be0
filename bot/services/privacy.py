"""Members' privacy: leave the leaderboards, come back, or erase everything stored.

Hiding changes what the boards show, not what is stored: the member still plays, and their
own ``/quiz stats`` still work. Deleting erases their rows in every server (see
``bot.db.daily.forget_member``); the aggregates are taken down by the very code that
``/quizconfig reset scores`` uses, so the boards then equal a recomputation from the ledger.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import daily as store
from bot.services.clock import Clock

log = logging.getLogger(__name__)


@dataclass
class PrivacyService:
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock

    async def hide(self, user_id: int) -> bool:
        return await store.set_hidden(
            self.sessions, user_id=user_id, hidden=True, now=self.clock.wall()
        )

    async def show(self, user_id: int) -> bool:
        return await store.set_hidden(
            self.sessions, user_id=user_id, hidden=False, now=self.clock.wall()
        )

    async def hidden(self, user_id: int) -> bool:
        return await store.is_hidden(self.sessions, user_id=user_id)

    async def delete(self, user_id: int) -> store.Forgotten:
        forgotten = await store.forget_member(self.sessions, user_id=user_id)
        log.info("erased a member's data on request: %s", forgotten)
        return forgotten
