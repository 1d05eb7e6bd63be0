"""Alembic migrations, run programmatically on the bot's own async engine."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


MIGRATION_LOCK = 0x44_45_46_45_43_54  # "DEFECT": a PostgreSQL advisory lock key


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` (idempotent).

    On PostgreSQL several processes (shards) may start at once: Alembic takes no lock, so
    the upgrade holds a transaction-scoped advisory lock and the others wait, then find
    nothing left to do.
    """

    def run(connection: Connection) -> None:
        command.upgrade(alembic_config(connection), revision)

    async with engine.begin() as connection:
        await hold_advisory_lock(connection)
        await connection.run_sync(run)


async def hold_advisory_lock(connection: AsyncConnection, key: int = MIGRATION_LOCK) -> None:
    """On PostgreSQL, wait for and hold ``key`` until the transaction ends (else nothing)."""
    if connection.dialect.name == "postgresql":
        await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


async def current_revision(engine: AsyncEngine) -> str | None:
    def read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as connection:
        return await connection.run_sync(read)
