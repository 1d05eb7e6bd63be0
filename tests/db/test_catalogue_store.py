from __future__ import annotations

import asyncio
import dataclasses

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlmodel import SQLModel

from bot.catalog.models import Defector
from bot.db.catalogue import count_defectors, load_defectors, sync_catalogue
from bot.db.engine import create_engine, session_factory
from bot.db.migrate import current_revision, head_revision, upgrade


@pytest.fixture
async def loaded(
    engine: AsyncEngine, records: tuple[Defector, ...]
) -> async_sessionmaker[AsyncSession]:
    """Sessions on the migrated database, with the catalogue in it."""
    await upgrade(engine)
    sessions = session_factory(engine)
    await sync_catalogue(sessions, records)
    return sessions


async def test_migrations_create_the_schema_and_are_idempotent(engine: AsyncEngine) -> None:
    assert await current_revision(engine) is None
    await upgrade(engine)
    await upgrade(engine)
    assert await current_revision(engine) == head_revision()

    def tables(connection: Connection) -> set[str]:
        return set(inspect(connection).get_table_names())

    async with engine.connect() as connection:
        assert {"defectors", "alembic_version"} <= await connection.run_sync(tables)


async def test_models_and_migrations_agree(engine: AsyncEngine) -> None:
    await upgrade(engine)

    def diff(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, SQLModel.metadata))

    async with engine.connect() as connection:
        assert await connection.run_sync(diff) == []


async def test_sqlite_runs_in_wal_mode(engine: AsyncEngine) -> None:
    if engine.dialect.name != "sqlite":
        return
    async with engine.connect() as connection:
        mode = (await connection.execute(text("PRAGMA journal_mode"))).scalar_one()
    assert mode == "wal"


async def test_loading_twice_leaves_165_rows(
    engine: AsyncEngine, records: tuple[Defector, ...]
) -> None:
    await upgrade(engine)
    sessions = session_factory(engine)
    first = await sync_catalogue(sessions, records)
    assert (first.inserted, first.updated, first.deleted) == (165, 0, 0)
    second = await sync_catalogue(sessions, records)
    assert (second.inserted, second.updated, second.deleted, second.unchanged) == (0, 0, 0, 165)
    assert await count_defectors(sessions) == 165


async def test_round_trip_keeps_every_field(
    loaded: async_sessionmaker[AsyncSession], records: tuple[Defector, ...]
) -> None:
    sessions = loaded
    stored = await load_defectors(sessions)
    # ``curated`` is not stored (every stored row comes from the files), nor are the other
    # readings (``also_*``) and ``destination_evidence``: the quiz reads them from the files,
    # and the table mirrors the main values only. Compare the rest.
    mirrored = [
        dataclasses.replace(
            r, also_origins=(), also_destinations=(), also_methods=(), destination_evidence=None
        )
        for r in records
    ]
    assert any(r != m for r, m in zip(records, mirrored, strict=True))  # there are readings
    assert stored == mirrored
    assert [r.to_dict() | {"curated": True} for r in stored] == [r.to_dict() for r in mirrored]


async def test_a_changed_fact_updates_its_row_and_a_removed_record_goes(
    loaded: async_sessionmaker[AsyncSession], records: tuple[Defector, ...]
) -> None:
    sessions = loaded
    changed = list(records)
    changed[0] = dataclasses.replace(
        changed[0], destination_country="France", aliases=("Someone Else",)
    )
    removed = changed.pop()
    report = await sync_catalogue(sessions, changed)
    assert (report.inserted, report.updated, report.deleted, report.unchanged) == (0, 1, 1, 163)
    stored = {r.slug: r for r in await load_defectors(sessions)}
    assert stored[changed[0].slug].destination_country == "France"
    assert stored[changed[0].slug].aliases == ("Someone Else",)
    assert removed.slug not in stored
    # And the original data restores it.
    restore = await sync_catalogue(sessions, records)
    assert (restore.inserted, restore.updated) == (1, 1)


async def test_processes_starting_together_do_not_collide(
    engine: AsyncEngine, database_url: str, records: tuple[Defector, ...]
) -> None:
    """Shards started at once each migrate and load the catalogue: on PostgreSQL an advisory
    lock makes them take turns (SQLite is for one process)."""
    if engine.dialect.name != "postgresql":
        return
    others = [create_engine(database_url) for _ in range(3)]
    try:
        await asyncio.gather(upgrade(engine), *(upgrade(other) for other in others))
        reports = await asyncio.gather(
            *(sync_catalogue(session_factory(e), records) for e in [engine, *others])
        )
    finally:
        for other in others:
            await other.dispose()
    assert sum(report.inserted for report in reports) == 165
    assert await count_defectors(session_factory(engine)) == 165
