"""Fixtures shared by every test: the catalogue, and the database backends.

Every test that takes ``database_url`` runs on SQLite, and again on PostgreSQL when
``TEST_POSTGRES_URL`` names a server (``.ci/run`` starts one with
``scripts/test-postgres.sh``). A PostgreSQL test starts from an empty ``public`` schema.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.catalog.importer import load_catalogue
from bot.catalog.models import Defector
from bot.catalog.search import SearchIndex
from bot.db.engine import create_engine

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


@pytest.fixture(scope="session")
def records() -> tuple[Defector, ...]:
    return load_catalogue()


@pytest.fixture(scope="session")
def index(records: tuple[Defector, ...]) -> SearchIndex:
    return SearchIndex(records)


async def empty_postgres(url: str) -> None:
    """Drop everything a previous test left in the PostgreSQL database at ``url``."""
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database of the test's own: a fresh SQLite file, or an emptied PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'test.sqlite3'}"
    assert POSTGRES_URL is not None
    await empty_postgres(POSTGRES_URL)
    return POSTGRES_URL
