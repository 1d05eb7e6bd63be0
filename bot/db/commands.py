"""Repository for the command-publication record."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import CommandPublication


async def published_hash(sessions: async_sessionmaker[AsyncSession], scope: str) -> str | None:
    async with sessions() as session:
        row = await session.get(CommandPublication, scope)
        return row.schema_hash if row is not None else None


async def record_publication(
    sessions: async_sessionmaker[AsyncSession], scope: str, schema_hash: str
) -> None:
    try:
        await _record(sessions, scope, schema_hash)
    except IntegrityError:
        # Another process (shard) recorded the same publish a moment earlier.
        await _record(sessions, scope, schema_hash)


async def _record(sessions: async_sessionmaker[AsyncSession], scope: str, schema_hash: str) -> None:
    async with sessions() as session, session.begin():
        row = await session.get(CommandPublication, scope)
        now = datetime.now(UTC)
        if row is None:
            session.add(CommandPublication(scope=scope, schema_hash=schema_hash, published_at=now))
        else:
            row.schema_hash = schema_hash
            row.published_at = now
