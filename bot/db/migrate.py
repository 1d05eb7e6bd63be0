"""Alembic migrations, run programmatically on the bot's own async engine.

Alembic (with Mako, Pygments and its per-dialect DDL modules) costs about 0.2 s of CPU and
several MiB to import, and a bot whose database is current never needs it: the start-up
path (:func:`upgrade_if_due`) compares the database's revision, read with one query, with
the head read from the migration files' ``revision =`` lines, and imports Alembic only when
a migration is due. Everything else here imports it on first use.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "alembic_version"


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def script_heads(versions: Path = MIGRATIONS_DIR / "versions") -> frozenset[str] | None:
    """The head revisions of the migration files, read without Alembic: every ``revision``
    that no file names as its ``down_revision``. None when a file cannot be read that way
    (then the caller asks Alembic, which knows every form a script may take)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted(versions.glob("*.py")):
        if path.name == "__init__.py":
            continue
        try:
            values = _module_constants(path, ("revision", "down_revision"))
        except (OSError, SyntaxError, ValueError):
            return None
        revision, down = values.get("revision"), values.get("down_revision", ())
        if not isinstance(revision, str):
            return None
        revisions.add(revision)
        if isinstance(down, str):
            parents.add(down)
        elif isinstance(down, tuple | list) and all(isinstance(d, str) for d in down):
            parents.update(down)
        elif down is not None:
            return None
    heads = frozenset(revisions - parents)
    return heads or None


def _module_constants(path: Path, names: tuple[str, ...]) -> dict[str, object]:
    """Top-level ``name = <literal>`` (or ``name: type = <literal>``) assignments of a file."""
    found: dict[str, object] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id in names:
            found[target.id] = ast.literal_eval(value)
    return found


MIGRATION_LOCK = 0x44_45_46_45_43_54  # "DEFECT": a PostgreSQL advisory lock key


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` (idempotent).

    On PostgreSQL several processes (shards) may start at once: Alembic takes no lock, so
    the upgrade holds a transaction-scoped advisory lock and the others wait, then find
    nothing left to do.
    """
    from alembic import command

    def run(connection: Connection) -> None:
        command.upgrade(alembic_config(connection), revision)

    async with engine.begin() as connection:
        await hold_advisory_lock(connection)
        await connection.run_sync(run)


async def upgrade_if_due(engine: AsyncEngine) -> bool:
    """Migrate to the head if the database is not there yet; True if Alembic ran.

    The check is one ``SELECT`` of the version table. A database at the head of the files is
    left alone without importing Alembic; anything else (no version table, an older or
    unknown revision, files this function cannot read) goes through :func:`upgrade`, which
    decides under its lock.
    """
    heads = script_heads()
    if heads is not None and await database_revisions(engine) == heads:
        return False
    await upgrade(engine)
    return True


async def database_revisions(engine: AsyncEngine) -> frozenset[str] | None:
    """The revisions in the database's version table; None if it has none (a new database).

    A missing table is the only error taken as "none": the query runs in a transaction of
    its own, so on PostgreSQL the failed statement aborts nothing else.
    """
    try:
        async with engine.connect() as connection:
            result = await connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))
            return frozenset(str(row[0]) for row in result)
    except DBAPIError as error:
        if _no_such_table(error):
            return None
        raise


def _no_such_table(error: DBAPIError) -> bool:
    message = str(error.orig if error.orig is not None else error).lower()
    return VERSION_TABLE in message and (
        "no such table" in message or "does not exist" in message or "undefined" in message
    )


async def hold_advisory_lock(connection: AsyncConnection, key: int = MIGRATION_LOCK) -> None:
    """On PostgreSQL, wait for and hold ``key`` until the transaction ends (else nothing)."""
    if connection.dialect.name == "postgresql":
        await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


async def current_revision(engine: AsyncEngine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    def read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as connection:
        return await connection.run_sync(read)
