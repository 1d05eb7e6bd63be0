"""A migrated database of the test's own (SQLite, then PostgreSQL when TEST_POSTGRES_URL is
set) for the services that write to one."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.engine import create_engine, session_factory
from bot.db.migrate import upgrade


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    await upgrade(engine)
    yield session_factory(engine)
    await engine.dispose()
