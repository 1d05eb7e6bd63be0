"""Start-up checks the database's revision with one query and imports Alembic only when a
migration is due; the head is read from the migration files without Alembic."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.migrate import (
    current_revision,
    database_revisions,
    head_revision,
    script_heads,
    upgrade,
    upgrade_if_due,
)


def test_the_files_head_is_alembics_head() -> None:
    assert script_heads() == {head_revision()}


async def test_a_new_database_is_migrated_then_left_alone(engine: AsyncEngine) -> None:
    assert await database_revisions(engine) is None
    assert await upgrade_if_due(engine) is True
    assert await current_revision(engine) == head_revision()
    assert await database_revisions(engine) == {head_revision()}
    assert await upgrade_if_due(engine) is False


async def test_an_older_database_is_migrated(engine: AsyncEngine) -> None:
    await upgrade(engine, "0004")
    assert await database_revisions(engine) == {"0004"}
    assert await upgrade_if_due(engine) is True
    assert await current_revision(engine) == head_revision()


def write(folder: Path, name: str, body: str) -> None:
    (folder / name).write_text(body, encoding="utf-8")


def test_heads_of_a_branch_and_a_merge(tmp_path: Path) -> None:
    write(tmp_path, "__init__.py", "")
    write(tmp_path, "a.py", 'revision = "a"\ndown_revision = None\n')
    write(tmp_path, "b.py", 'revision: str = "b"\ndown_revision: str | None = "a"\n')
    write(tmp_path, "c.py", 'revision = "c"\ndown_revision = "a"\n')
    assert script_heads(tmp_path) == {"b", "c"}
    write(tmp_path, "d.py", 'revision = "d"\ndown_revision = ("b", "c")\n')
    assert script_heads(tmp_path) == {"d"}


def test_a_file_it_cannot_read_defers_to_alembic(tmp_path: Path) -> None:
    write(tmp_path, "a.py", 'revision = "a"\ndown_revision = None\n')
    write(tmp_path, "b.py", 'revision = make_id()\ndown_revision = "a"\n')
    assert script_heads(tmp_path) is None
    write(tmp_path, "b.py", "revision = (\n")
    assert script_heads(tmp_path) is None
