"""Migration 0003 (the quiz tables) upgrades, downgrades and upgrades again, on both engines."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.migrate import alembic_config, current_revision, upgrade

QUIZ_TABLES = {
    "quiz_games",
    "quiz_answers",
    "quiz_score_days",
    "quiz_player_totals",
    "quiz_player_counts",
    "quiz_recent_totals",
    "quiz_recent_windows",
    "quiz_guild_settings",
}


async def tables(engine: AsyncEngine) -> set[str]:
    def names(connection: Connection) -> set[str]:
        return set(inspect(connection).get_table_names())

    async with engine.connect() as connection:
        return await connection.run_sync(names)


async def test_0003_downgrades_and_upgrades_again(engine: AsyncEngine) -> None:
    await upgrade(engine)
    assert await tables(engine) >= QUIZ_TABLES

    def downgrade(connection: Connection) -> None:
        command.downgrade(alembic_config(connection), "0002")

    async with engine.begin() as connection:
        await connection.run_sync(downgrade)
    assert await current_revision(engine) == "0002"
    assert not QUIZ_TABLES & await tables(engine)

    await upgrade(engine)
    assert await tables(engine) >= QUIZ_TABLES
