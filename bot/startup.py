"""Startup failures an operator can fix, each reported as one line naming what failed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.catalog.importer import CURATED_PATH, SOURCE_PATH, load_catalogue
from bot.catalog.models import Defector
from bot.services.scores import database_damaged


class StartError(Exception):
    """The bot could not start for a reason the operator can fix (one line, no traceback)."""


def read_catalogue(
    source_path: Path = SOURCE_PATH, curated_path: Path = CURATED_PATH
) -> tuple[Defector, ...]:
    """:func:`load_catalogue`, with an unreadable data file named in a :class:`StartError`."""
    try:
        return load_catalogue(source_path, curated_path)
    except UnicodeDecodeError as error:
        raise StartError(
            f"a data file ({source_path.name} or {curated_path.name}) is not UTF-8: {error.reason}"
        ) from None
    except OSError as error:
        where = error.filename or f"{source_path} or {curated_path}"
        raise StartError(f"cannot read the data file {where}: {error.strerror or error}") from None


def database_name(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL is reported by create_engine
        return "DATABASE_URL"


def _reason(error: BaseException) -> str:
    if isinstance(error, DBAPIError) and error.orig is not None:
        error = error.orig
    text = " ".join(str(error).split()) or type(error).__name__
    return text


def _check_sqlite_path(url: str) -> None:
    """A SQLite path that is a folder is refused before connecting: aiosqlite's failed
    connection thread would otherwise outlive the event loop and print a traceback."""
    try:
        parsed = make_url(url)
    except Exception:  # create_engine names an unparsable URL
        return
    if (
        parsed.drivername.startswith("sqlite")
        and parsed.database
        and Path(parsed.database).is_dir()
    ):
        raise StartError(
            f"could not open the database {database_name(url)}: {parsed.database} is a folder"
        )


@asynccontextmanager
async def database_step(url: str, data_dir: Path | None = None) -> AsyncIterator[None]:
    """Turn a failure to open, reach or migrate the database into one :class:`StartError`."""
    _check_sqlite_path(url)
    try:
        yield
    except (SQLAlchemyError, OSError, TimeoutError) as error:
        if (
            isinstance(error, OSError)
            and data_dir is not None
            and error.filename is not None
            and (Path(error.filename) == data_dir or Path(error.filename) in data_dir.parents)
        ):
            raise StartError(
                f"DATA_DIR {data_dir} is not a usable folder: {error.strerror or error}"
            ) from None
        name = database_name(url)
        raise StartError(f"could not open the database {name}: {_reason(error)}") from None


async def check_integrity(engine: AsyncEngine, url: str) -> None:
    """On SQLite, ``PRAGMA quick_check`` before anything else: a damaged file stops the start
    with one line naming it, instead of a bot that fails every command later."""
    if engine.dialect.name != "sqlite":
        return
    name = database_name(url)
    try:
        async with engine.connect() as connection:
            rows = (await connection.exec_driver_sql("PRAGMA quick_check")).scalars().all()
    except DBAPIError as error:
        if not database_damaged(error):
            raise
        rows = [_reason(error)]
    problems = [str(row) for row in rows if row != "ok"]
    if problems:
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise StartError(
            f"the database {name} is damaged: PRAGMA quick_check says {problems[0]!r}{more}; "
            "restore it from a backup (the bot will not write to a damaged file)"
        )


@contextmanager
def journal_step(path: Path) -> Iterator[None]:
    """An unreadable or unwritable result journal, named in one :class:`StartError`."""
    try:
        yield
    except OSError as error:
        raise StartError(
            f"cannot use the quiz result journal {path}: {error.strerror or error}"
        ) from None
